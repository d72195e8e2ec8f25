"""Income tax on the annuity (issue #18, item 10): withheld from the monthly annuity with the
monthly table, from the heirs' lump sum with the yearly table, never from the basic pension;
shown on the payment, the bank file (the bank pays the net) and the ledger, and totalled by
month paid in the tax report. Back pay is taxed with the month it is for."""

import csv
import io
import random
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from services.payout.domain.tax import MONTHLY, YEARLY, max_sql
from services.payout.main import create_app
from services.payout.parameters.defaults import annuity_income_tax
from services.payout.parameters.schemas import AnnuityIncomeTax
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import (
    approve,
    key,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.payout.parameters_helper import set_parameter
from tests.support.payout_banks import PSBC, post_results
from tests.support.payout_banks import two_banks as two_banks
from tests.support.payout_deaths import SURVIVOR, dies

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def payments(client, platform, person: str) -> list[tuple]:
    """(program, month, gross, tax, net, back pay?) of a person's lines, oldest first."""
    r = await client.get(
        f"/v1/payout/retirees/{person}/payments", headers=auth_headers(platform, "finance")
    )
    assert r.status_code == 200, r.text
    return sorted(
        (
            p["program"],
            p["period"][:7],
            p["gross_amount"],
            p["tax_withheld"],
            p["net_amount"],
            p["difference_id"] is not None,
        )
        for p in r.json()["items"]
    )


async def batch_file(client, platform, period: str, program: str) -> list[list[str]]:
    """The bank's CSV of its batch of a program and month."""
    bank = auth_headers(platform, "bank", subject=PSBC)
    batches = await client.get(f"/v1/payout/bank/{PSBC}/batches?period={period}", headers=bank)
    [batch] = [b for b in batches.json()["items"] if b["program"] == program]
    r = await client.get(f"/v1/payout/bank/{PSBC}/batches/{batch['id']}/file", headers=bank)
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.text)))


async def pay_all(client, platform, rows: list[list[str]]) -> None:
    """The bank reports every line of a file paid."""
    lines = [{"reference": row[0], "outcome": "paid"} for row in rows[1:-1]]
    r = await post_results(client, platform, lines)
    assert r.status_code == 200, r.text


async def test_the_monthly_annuity_is_taxed_and_the_bank_pays_the_net(platform, two_banks) -> None:
    async with running_app(create_app(platform)) as client:
        # Annuity 404,000.00 / 101 months = 4,000.00 a month: 4,000 × 10% − 210 = 190.00.
        retired = retirement(
            61,
            annuity_notional_balance="303000.00",
            annuity_funded_balance="101000.00",
        )
        [first] = await retire(client, platform, retired)
        person, citizen = first["person_id"], retired.payload["citizen_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-04")
        assert await payments(client, platform, person) == [
            ("basic_pension", "2025-04", "4792.71", "0.00", "4792.71", False),
            ("occupational_annuity", "2025-04", "4000.00", "190.00", "3810.00", False),
        ]

        # The bank file: `amount` is what the bank pays; gross and tax appended at the end.
        rows = await batch_file(client, platform, "2025-04", "occupational_annuity")
        assert rows[0] == [
            "reference", "person_number", "name", "account_number", "amount", "period",
            "gross_amount", "tax_withheld",
        ]  # fmt: skip
        [line] = [r for r in rows[1:-1] if r[1] == citizen]
        assert line[4:] == ["3810.00", "2025-04", "4000.00", "190.00"]
        assert rows[-1] == ["TOTAL", "1", "", "", "3810.00", "", "4000.00", "190.00"]
        pension = await batch_file(client, platform, "2025-04", "basic_pension")
        assert pension[-1] == ["TOTAL", "1", "", "", "4792.71", "", "4792.71", "0.00"]
        # The batch reconciles with what the bank pays.
        staff = auth_headers(platform, "finance")
        listed = await client.get("/v1/payout/batches?period=2025-04", headers=staff)
        batches = listed.json()["items"]
        annuity = next(b for b in batches if b["program"] == "occupational_annuity")
        assert annuity["total"] == {"count": 1, "amount": "3810.00"}
        await pay_all(client, platform, rows)
        await pay_all(client, platform, pension)

        # A correction raises the annuity to 4,500.00 from April: April's back pay of 500.00
        # is taxed with April (tax(4,500) − 190 = 50.00), May's line with the monthly table.
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/corrections",
            headers=auth_headers(platform, "clerk", subject="clerk-x"),
            json={
                "effective_from": "2025-04-01",
                "annuity_balance": "454500.00",
                "reason": "年金余额更正",
            },
        )
        assert r.status_code == 201, r.text
        await review(client, platform, r.json()["id"])
        await run_payroll(client, platform, "2025-05")
        assert await payments(client, platform, person) == [
            ("basic_pension", "2025-04", "4792.71", "0.00", "4792.71", False),
            ("basic_pension", "2025-05", "4792.71", "0.00", "4792.71", False),
            ("occupational_annuity", "2025-04", "4000.00", "190.00", "3810.00", False),
            ("occupational_annuity", "2025-04", "500.00", "50.00", "450.00", True),
            ("occupational_annuity", "2025-05", "4500.00", "240.00", "4260.00", False),
        ]
        may = await batch_file(client, platform, "2025-05", "occupational_annuity")
        assert may[-1] == ["TOTAL", "2", "", "", "4710.00", "", "5000.00", "290.00"]
        await pay_all(client, platform, may)

        # The ledger: gross paid, the tax withheld and the net the banks paid.
        r = await client.get("/v1/payout/ledger/2025", headers=staff)
        rows_by = {(x["program"], x["period"]): x for x in r.json()["items"]}
        april = rows_by[("occupational_annuity", "2025-04")]
        assert (april["paid_amount"], april["paid_tax_withheld"], april["paid_net_amount"]) == (
            "4500.00",
            "240.00",
            "4260.00",
        )
        assert rows_by[("basic_pension", "2025-04")]["paid_tax_withheld"] == "0.00"
        r = await client.get("/v1/payout/ledger/2025/xlsx", headers=staff)
        sheet = load_workbook(io.BytesIO(r.content)).active
        header, *cells = list(sheet.iter_rows(values_only=True))
        assert header[-3:] == ("代扣个税 tax_withheld", "实发 net", "抵扣 offset")
        assert sorted(row[-3:-1] for row in cells if row[0] == "职业年金") == [
            ("190.00", "3810.00"),
            ("240.00", "4260.00"),
            ("50.00", "450.00"),
        ]

        # The tax report: by the month paid (the back pay is April's income, paid in May).
        r = await client.get("/v1/payout/tax/2025", headers=staff)
        assert r.status_code == 200, r.text
        report = r.json()
        assert [
            (m["month"], m["program"], m["paid_count"], m["taxable_amount"], m["tax_withheld"])
            for m in report["months"]
        ] == [
            ("2025-04", "occupational_annuity", 1, "4000.00", "190.00"),
            ("2025-05", "occupational_annuity", 2, "5000.00", "290.00"),
        ]
        assert (report["taxable_amount"], report["tax_withheld"]) == ("9000.00", "480.00")
        r = await client.get("/v1/payout/tax/2025/xlsx", headers=auth_headers(platform, "clerk"))
        assert r.status_code == 200
        assert r.headers["content-disposition"] == 'attachment; filename="tax-2025.xlsx"'
        sheet = load_workbook(io.BytesIO(r.content)).active
        _, *cells = list(sheet.iter_rows(values_only=True))
        assert sorted((c[0], c[1], c[3], c[7], c[8]) for c in cells) == [
            ("2025-04", "2025-04", citizen, "190.00", "3810.00"),
            ("2025-05", "2025-04", citizen, "50.00", "450.00"),
            ("2025-05", "2025-05", citizen, "240.00", "4260.00"),
        ]


async def test_the_heirs_lump_sum_is_taxed_with_the_yearly_table(platform, two_banks) -> None:
    async with running_app(create_app(platform)) as client:
        # Annuity 202,000.00 / 101 = 2,000.00 a month (60.00 tax each).
        retired = retirement(
            62,
            annuity_notional_balance="151500.00",
            annuity_funded_balance="50500.00",
        )
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April and May
        await dies(platform, retired, date(2025, 5, 20))

        staff = auth_headers(platform, "finance")
        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff | key(), json=SURVIVOR
        )
        assert r.status_code == 201, r.text
        benefits = r.json()
        # 5000 + 20 × 4792.71 + (101000 − 2 × 1000) + (202000 − 2 × 2000): only the
        # annuity left, 198,000.00, is taxed: 198,000 × 20% − 16,920 = 22,680.00.
        assert benefits["total"] == "397854.20"
        assert (benefits["annuity_balance_left"], benefits["taxable_amount"]) == (
            "198000.00",
            "198000.00",
        )
        assert (benefits["tax_withheld"], benefits["net"]) == ("22680.00", "375174.20")
        await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/approve")

        # Annuity back pay found after the grant (2,100.00 a month from April) adds 200.00
        # to the heirs' lump sum: tax(198,200) − 22,680 = 40.00.
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/corrections",
            headers=auth_headers(platform, "clerk", subject="clerk-x"),
            json={
                "effective_from": "2025-04-01",
                "annuity_balance": "212100.00",
                "reason": "年金余额更正",
            },
        )
        assert r.status_code == 201, r.text
        await review(client, platform, r.json()["id"])
        benefits = (
            await client.get(f"/v1/payout/retirees/{person}/death-benefits", headers=staff)
        ).json()
        [addition] = benefits["additions"]
        assert (addition["amount"], addition["taxable_amount"], addition["tax_withheld"]) == (
            "200.00",
            "200.00",
            "40.00",
        )

        await run_payroll(client, platform, "2025-06")
        rows = await batch_file(client, platform, "2025-06", "death_benefit")
        # (amount paid, gross, tax): the addition is for the month it was queued in.
        assert sorted((row[4], row[6], row[7]) for row in rows[1:-1]) == [
            ("160.00", "200.00", "40.00"),
            ("375174.20", "397854.20", "22680.00"),
        ]
        await pay_all(client, platform, rows)
        report = (await client.get("/v1/payout/tax/2025", headers=staff)).json()
        assert [
            (m["month"], m["program"], m["taxable_amount"], m["tax_withheld"])
            for m in report["months"]
            if m["program"] == "death_benefit"
        ] == [("2025-06", "death_benefit", "198200.00", "22720.00")]
        audit = await scalar(
            platform,
            "SELECT detail->>'tax_withheld' FROM payout.audit_log "
            "WHERE action = 'death_benefit.requested' "
            f"AND object_id = '{person}'",
        )
        assert audit == "22680.00"


async def test_the_payrolls_sql_taxes_exactly_as_the_rule(platform) -> None:
    """The payroll computes the tax in SQL (domain/tax.max_sql): the same figure as the rule
    for every bracket limit, a fen either side, and random amounts."""
    tables = AnnuityIncomeTax.model_validate(annuity_income_tax())
    draw = random.Random(18)
    engine = create_async_engine(platform.database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            for which in (MONTHLY, YEARLY):
                table = tables.table(which)
                limits = [b.up_to for b in table.brackets if b.up_to is not None]
                fen = Decimal("0.01")
                amounts = [Decimal("0.00"), fen] + [x + d for x in limits for d in (-fen, 0, fen)]
                amounts += [Decimal(draw.randint(0, 200_000_000)) / 100 for _ in range(2000)]
                sql, params = max_sql(table, "x.amount", "tax")
                rows = await conn.execute(
                    text(
                        f"SELECT x.amount, {sql} "
                        "FROM unnest(CAST(:amounts AS numeric[])) AS x(amount)"
                    ).bindparams(amounts=amounts, **params)
                )
                for amount, tax in rows.all():
                    assert tax == table.tax(amount), (which, amount)
    finally:
        await engine.dispose()


async def test_a_table_is_dated_a_wrong_one_refused_and_a_reissue_keeps_its_tax(
    platform, two_banks
) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(
            63, annuity_notional_balance="303000.00", annuity_funded_balance="101000.00"
        )
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April and May: 190.00 each

        admin = auth_headers(platform, "admin") | key()
        value = annuity_income_tax()
        value["monthly"] = [
            {"up_to": "5000.00", "rate": "0.03", "quick_deduction": "0.00"},
            {"up_to": None, "rate": "0.10", "quick_deduction": "300.00"},  # 350.00 implied
        ]
        body = {"name": "annuity_income_tax", "effective_from": "2025-06-01", "value": value}
        r = await client.post("/v1/payout/parameters", headers=admin, json=body)
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
        assert "quick_deduction" in r.text
        value["monthly"][1]["quick_deduction"] = "350.00"
        await set_parameter(client, platform, body)

        # May's annuity line fails at the bank; the account is corrected and approved.
        rows = await batch_file(client, platform, "2025-05", "occupational_annuity")
        may = next(row for row in rows[1:-1] if row[5] == "2025-05")
        failed = {"reference": may[0], "outcome": "failed", "reason_code": "account_closed"}
        assert (await post_results(client, platform, [failed])).status_code == 200
        r = await client.post(
            f"/v1/payout/retirees/{person}/account-changes",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
            json={
                "bank_code": "PSBC",
                "account_number": "6221880000006363",
                "account_name": "退休63",
                "reason": "原账户已销户",
            },
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/account-changes/{r.json()['id']}/approve")

        # June: the new table (4,000 × 3% = 120.00); May's line goes again with its 190.00.
        await run_payroll(client, platform, "2025-06")
        lines = await payments(client, platform, person)
        assert [line for line in lines if line[0] == "occupational_annuity"] == [
            ("occupational_annuity", "2025-04", "4000.00", "190.00", "3810.00", False),
            ("occupational_annuity", "2025-05", "4000.00", "190.00", "3810.00", False),
            ("occupational_annuity", "2025-05", "4000.00", "190.00", "3810.00", False),
            ("occupational_annuity", "2025-06", "4000.00", "120.00", "3880.00", False),
        ]
        report = (
            await client.get("/v1/payout/tax/2025", headers=auth_headers(platform, "auditor"))
        ).json()
        assert [(m["month"], m["outstanding_tax"], m["failed_tax"]) for m in report["months"]] == [
            ("2025-05", "190.00", "190.00"),  # April waits for the bank, May failed
            ("2025-06", "310.00", "0.00"),  # May again and June, sent
        ]


async def test_survivors_share_the_lump_sums_tax_like_its_amount(platform, two_banks) -> None:
    """Two survivors (1/3, 2/3): the heirs' lump sum is taxed once on the whole with the
    yearly table, the tax split by the same shares and remainder rule as the amount; each
    survivor's bank line pays their share's net; an addition likewise."""
    async with running_app(create_app(platform)) as client:
        retired = retirement(
            63,
            annuity_notional_balance="151500.00",
            annuity_funded_balance="50500.00",
        )
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April and May
        await dies(platform, retired, date(2025, 5, 20))

        staff = auth_headers(platform, "finance")
        second = SURVIVOR | {
            "survivor_name": "钱二",
            "survivor_citizen_id": "330522196001010016",
            "account_number": "6221889900002222",
        }
        body = {"survivors": [SURVIVOR | {"share": "1/3"}, second | {"share": "2/3"}]}
        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff | key(), json=body
        )
        assert r.status_code == 201, r.text
        benefits = r.json()
        # As for one survivor: 397,854.20 of which 198,000.00 taxable, 22,680.00 tax on the
        # whole. Amount: 132,618.06|67 and 265,236.13|33, the fen to the 1/3 (larger
        # remainder); taxable and tax split exactly.
        assert (benefits["total"], benefits["tax_withheld"]) == ("397854.20", "22680.00")
        shares = [
            (s["amount"], s["taxable_amount"], s["tax_withheld"], s["net"])
            for s in benefits["shares"]
        ]
        assert shares == [
            ("132618.07", "66000.00", "7560.00", "125058.07"),
            ("265236.13", "132000.00", "15120.00", "250116.13"),
        ]
        net, tax = (sum(Decimal(s[i]) for s in shares) for i in (3, 2))
        assert (net, tax, net + tax) == (
            Decimal(benefits["net"]),
            Decimal("22680.00"),
            Decimal("397854.20"),
        )
        await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/approve")

        # Annuity back pay of 200.00 found later: tax(198,200) − 22,680 = 40.00 on the whole,
        # then split: amount 66.66|67 → 66.67 and 133.33; tax 13.33 and 26.66|67 → 26.67
        # (the fen left over goes to each split's own largest remainder).
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/corrections",
            headers=auth_headers(platform, "clerk", subject="clerk-x"),
            json={
                "effective_from": "2025-04-01",
                "annuity_balance": "212100.00",
                "reason": "年金余额更正",
            },
        )
        assert r.status_code == 201, r.text
        await review(client, platform, r.json()["id"])
        benefits = (
            await client.get(f"/v1/payout/retirees/{person}/death-benefits", headers=staff)
        ).json()
        assert sorted(
            (a["payee_seq"], a["amount"], a["taxable_amount"], a["tax_withheld"])
            for a in benefits["additions"]
        ) == [(0, "66.67", "66.67", "13.33"), (1, "133.33", "133.33", "26.67")]

        await run_payroll(client, platform, "2025-06")
        rows = await batch_file(client, platform, "2025-06", "death_benefit")
        # (account, amount the bank pays, gross, tax) of each survivor's lines.
        assert sorted((row[3], row[4], row[6], row[7]) for row in rows[1:-1]) == [
            ("6221889900001111", "125058.07", "132618.07", "7560.00"),
            ("6221889900001111", "53.34", "66.67", "13.33"),
            ("6221889900002222", "106.66", "133.33", "26.67"),
            ("6221889900002222", "250116.13", "265236.13", "15120.00"),
        ]
        paid = sum(Decimal(row[4]) for row in rows[1:-1])
        withheld = sum(Decimal(row[7]) for row in rows[1:-1])
        assert (paid, withheld) == (Decimal("375334.20"), Decimal("22720.00"))
        assert paid + withheld == Decimal("397854.20") + Decimal("200.00")
        await pay_all(client, platform, rows)
        report = (await client.get("/v1/payout/tax/2025", headers=staff)).json()
        assert [
            (m["month"], m["taxable_amount"], m["tax_withheld"])
            for m in report["months"]
            if m["program"] == "death_benefit"
        ] == [("2025-06", "198200.00", "22720.00")]


async def test_the_tax_on_an_annuity_recovered_is_given_back(platform, two_banks) -> None:
    async with running_app(create_app(platform)) as client:
        # Annuity 4,000.00 a month (190.00 tax), paid April to June.
        retired = retirement(
            64,
            annuity_notional_balance="303000.00",
            annuity_funded_balance="101000.00",
        )
        [first] = await retire(client, platform, retired)
        person, citizen = first["person_id"], retired.payload["citizen_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")
        for program in ("basic_pension", "occupational_annuity"):
            await pay_all(client, platform, await batch_file(client, platform, "2025-06", program))
        # Corrected down to 3,500.00 a month: 500.00 overpaid each month, which bore
        # tax(4,000) − tax(3,500) = 190.00 − 140.00 = 50.00 of it.
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/corrections",
            headers=auth_headers(platform, "clerk", subject="clerk-x"),
            json={"annuity_balance": "353500.00", "reason": "年金余额更正"},
        )
        assert r.status_code == 201, r.text
        await review(client, platform, r.json()["id"])
        # Died in May: June's 3,500.00 left after the correction's case is recovered too,
        # with the 140.00 it still bore.
        await dies(platform, retired, date(2025, 5, 10))
        finance = auth_headers(platform, "finance", subject="finance-a")
        r = await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=finance)
        cases = {
            (c["program"], c["period"][:7], c["amount"]): c
            for c in r.json()["items"]
            if c["program"] == "occupational_annuity"
        }
        assert {k: c["tax_amount"] for k, c in cases.items()} == {
            ("occupational_annuity", "2025-04", "500.00"): "50.00",
            ("occupational_annuity", "2025-05", "500.00"): "50.00",
            ("occupational_annuity", "2025-06", "500.00"): "50.00",
            ("occupational_annuity", "2025-06", "3500.00"): "140.00",
        }
        # The heirs pay back April's 500.00, the bank returns June's 3,500.00; May's waits.
        for key_, method in (
            (("occupational_annuity", "2025-04", "500.00"), "heirs_refund"),
            (("occupational_annuity", "2025-06", "3500.00"), "bank_return"),
        ):
            r = await client.post(
                f"/v1/payout/recoveries/{cases[key_]['id']}/resolve",
                headers=finance | key(),
                json={"method": method},
            )
            assert r.status_code == 200, r.text
        # Given back in the month recovered (this month), as a negative entry: 190.00.
        today = agency_today()
        report = (await client.get(f"/v1/payout/tax/{today.year}", headers=finance)).json()
        month = f"{today.year}-{today.month:02d}"
        [row] = [m for m in report["months"] if m["tax_given_back"] != "0.00"]
        assert row["month"] == month
        assert (row["program"], row["tax_given_back"]) == ("occupational_annuity", "190.00")
        assert report["tax_given_back"] == "190.00"
        # 2025's withholding stands as withheld (3 × 190.00), nothing given back in 2025.
        earlier = (await client.get("/v1/payout/tax/2025", headers=finance)).json()
        assert (earlier["tax_withheld"], earlier["tax_given_back"]) == ("570.00", "0.00")
        r = await client.get(
            f"/v1/payout/tax/{today.year}/xlsx", headers=auth_headers(platform, "clerk")
        )
        _, *cells = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        assert sorted((c[0], c[1], c[3], c[5], c[7], c[9]) for c in cells) == [
            (month, "2025-04", citizen, "-500.00", "-50.00", "追回退税"),
            (month, "2025-06", citizen, "-3500.00", "-140.00", "追回退税"),
        ]
