"""An approved offset withholds part of later payments until the debt is cleared (issue #18,
item 6): visible on the line, in the bank file's amount and in the ledger, at most the dated
share of each pension line, and recovered only as the lines withholding it are paid."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import (
    approve,
    grant_death_benefits,
    key,
    publish,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually
from tests.support.payout_banks import two_banks  # noqa: F401
from tests.support.payout_deaths import SURVIVOR
from tests.support.payout_failed_lines import answer

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]


async def withheld(platform, person: str, period: str) -> list[str]:
    """program amount offset_amount of the month's lines."""
    found = await scalar(
        platform,
        "SELECT coalesce(json_agg(program || ' ' || amount || ' ' || offset_amount "
        f"ORDER BY program), '[]') FROM payout.payment WHERE person_id = '{person}' "
        f"AND period = '{period}' AND status <> 'reissued'",
    )
    return list(found)  # type: ignore[arg-type]


async def test_an_offset_withholds_from_later_pensions_month_by_month(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(91))
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April, May
        await answer(client, platform, set())
        clerk = auth_headers(platform, "clerk")
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/corrections",
            headers=clerk | key(),
            json={"basic_balance": "81000.00", "reason": "个人账户余额更正"},
        )
        assert r.status_code == 201, r.text
        corrected = await review(client, platform, r.json()["id"])
        monthly = Decimal(corrected["monthly_amount"])
        over = Decimal(first["monthly_amount"]) - monthly
        assert over == Decimal("198.02")  # 1000.00 − 81000 / 101
        finance = auth_headers(platform, "finance", subject="maker")
        cases = (
            await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=finance)
        ).json()["items"]
        assert sorted((c["period"], c["amount"]) for c in cases) == [
            ("2025-04-01", str(over)),
            ("2025-05-01", str(over)),
        ]
        for case in sorted(cases, key=lambda c: c["period"]):
            r = await client.post(
                f"/v1/payout/recoveries/{case['id']}/resolve",
                headers=finance | key(),
                json={"method": "offset"},
            )
            assert r.json()["status"] == "pending_approval"
            done = await approve(client, platform, f"/v1/payout/recoveries/{case['id']}/approve")
            assert (done["status"], done["method"]) == ("offsetting", "offset")
        # At most 5% of a pension line is withheld from 2025 on (the default is 20%).
        # A policy version is in force once finance approves it (issue #17).
        await set_parameter(
            client,
            platform,
            {
                "name": "offset_deduction",
                "effective_from": "2025-01-01",
                "value": {"max_share": "0.05"},
            },
        )

        await run_payroll(client, platform, "2025-06")
        # 5% of 4594.69 is 229.73: April's 198.02 and 31.71 of May's; the share applies after
        # the income tax: 5% of the annuity's 500.00 less its 15.00 tax is 24.25, for May's too.
        assert await withheld(platform, person, "2025-06-01") == [
            f"basic_pension {monthly} 229.73",
            "occupational_annuity 500.00 24.25",
        ]
        batches = (
            await client.get("/v1/payout/batches", params={"period": "2025-06"}, headers=finance)
        ).json()["items"]
        pension = next(b for b in batches if b["program"] == "basic_pension")
        assert pension["total"]["amount"] == str(monthly - Decimal("229.73"))
        bank_file = await client.get(f"/v1/payout/batches/{pension['id']}/file", headers=clerk)
        assert f",{monthly - Decimal('229.73')},2025-06" in bank_file.text
        # An annuity line bears both deductions: the bank pays gross − tax − offset, in its
        # file, its batch's total and the ledger's net.
        annuity = next(b for b in batches if b["program"] == "occupational_annuity")
        assert annuity["total"]["amount"] == "460.75"  # 500.00 − 15.00 − 24.25
        annuity_file = await client.get(f"/v1/payout/batches/{annuity['id']}/file", headers=clerk)
        [line] = [row for row in csv.reader(io.StringIO(annuity_file.text)) if row[0] != "TOTAL"][
            1:
        ]
        assert line[4:] == ["460.75", "2025-06", "500.00", "15.00"]
        # Nothing counts as recovered before the bank pays the lines that withhold it.
        cases = {
            c["period"]: c
            for c in (
                await client.get(
                    "/v1/payout/recoveries", params={"person_id": person}, headers=finance
                )
            ).json()["items"]
        }
        assert cases["2025-04-01"]["offset_withheld"] == "0.00"
        await answer(client, platform, set())
        cases = {
            c["period"]: c
            for c in (
                await client.get(
                    "/v1/payout/recoveries", params={"person_id": person}, headers=finance
                )
            ).json()["items"]
        }
        assert (cases["2025-04-01"]["status"], cases["2025-04-01"]["offset_withheld"]) == (
            "recovered",
            str(over),
        )
        assert (cases["2025-05-01"]["status"], cases["2025-05-01"]["offset_withheld"]) == (
            "offsetting",
            "55.96",
        )

        await run_payroll(client, platform, "2025-07")
        assert await withheld(platform, person, "2025-07-01") == [
            f"basic_pension {monthly} 142.06",  # the rest of May's
            "occupational_annuity 500.00 0.00",
        ]
        await answer(client, platform, set())
        await run_payroll(client, platform, "2025-08")
        assert await withheld(platform, person, "2025-08-01") == [
            f"basic_pension {monthly} 0.00",
            "occupational_annuity 500.00 0.00",
        ]
        await answer(client, platform, set())
        statuses = {
            c["status"]
            for c in (
                await client.get(
                    "/v1/payout/recoveries", params={"person_id": person}, headers=finance
                )
            ).json()["items"]
        }
        assert statuses == {"recovered"}

        # The ledger: the withheld part of June's and July's lines, and the months overpaid
        # recovered; paid − recovered is the amount in force for every month.
        ledger = (await client.get("/v1/payout/ledger/2025", headers=finance)).json()["items"]
        rows = {(x["program"], x["period"]): x for x in ledger}
        assert rows[("basic_pension", "2025-06")]["offset_withheld_amount"] == "229.73"
        assert rows[("occupational_annuity", "2025-06")]["offset_withheld_amount"] == "24.25"
        june = rows[("occupational_annuity", "2025-06")]
        assert (june["paid_amount"], june["paid_tax_withheld"], june["paid_net_amount"]) == (
            "500.00",
            "15.00",
            "460.75",
        )
        assert rows[("basic_pension", "2025-07")]["offset_withheld_amount"] == "142.06"
        for month in ("2025-04", "2025-05", "2025-06", "2025-07", "2025-08"):
            row = rows[("basic_pension", month)]
            net = Decimal(row["paid_amount"]) - Decimal(row["recovered_amount"])
            assert net == monthly, month
        settled = (await client.get("/v1/payout/ledger/2025/settlements", headers=finance)).json()[
            "items"
        ]
        last = {}
        for s in settled:
            last[(s["program"], s["period"][:7])] = s
        for month in ("2025-04", "2025-05"):
            assert Decimal(last[("basic_pension", month)]["paid_amount"]) == monthly
            assert Decimal(last[("basic_pension", month)]["recovered_amount"]) == over
        # What the bank was sent in all equals what was due less the debt withheld.
        sent = await scalar(
            platform,
            "SELECT sum(amount - offset_amount) FROM payout.payment "
            f"WHERE person_id = '{person}' AND program = 'basic_pension'",
        )
        before = Decimal(first["monthly_amount"])
        assert sent == 2 * before + 3 * monthly - Decimal("371.79")  # 396.04 less 24.25


async def test_an_offset_after_a_death_is_withheld_from_the_death_benefits(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(92)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        await answer(client, platform, set())
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 10)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))
        finance = auth_headers(platform, "finance", subject="maker")

        async def cases() -> list[dict]:
            r = await client.get(
                "/v1/payout/recoveries", params={"person_id": person}, headers=finance
            )
            return r.json()["items"] if len(r.json()["items"]) == 2 else []

        await eventually(cases)
        for case in await cases():
            r = await client.post(
                f"/v1/payout/recoveries/{case['id']}/resolve",
                headers=finance | key(),
                json={"method": "offset"},
            )
            assert r.status_code == 200, r.text
            await approve(client, platform, f"/v1/payout/recoveries/{case['id']}/approve")
        benefits = await grant_death_benefits(client, platform, person, SURVIVOR, finance)
        await run_payroll(client, platform, "2025-07")
        june = Decimal("4792.71") + Decimal("500.00")
        line = await scalar(
            platform,
            "SELECT amount || ' ' || offset_amount FROM payout.payment "
            "WHERE program = 'death_benefit'",
        )
        assert line == f"{benefits['total']} {june}"  # withheld in full from a lump sum
        await answer(client, platform, set())
        assert {c["status"] for c in await cases()} == {"recovered"}
        ledger = (await client.get("/v1/payout/ledger/2025", headers=finance)).json()["items"]
        rows = {(x["program"], x["period"]): x for x in ledger}
        june_row = rows[("basic_pension", "2025-06")]
        assert june_row["paid_amount"] == june_row["recovered_amount"] == "4792.71"
        death_row = rows[("death_benefit", "2025-05")]
        assert death_row["offset_withheld_amount"] == str(june)


async def test_an_offset_on_a_line_the_bank_then_fails_is_void_and_given_back(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(93)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April, May
        await answer(client, platform, set())
        await run_payroll(client, platform, "2025-06")  # June: still with the bank
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 10)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))
        finance = auth_headers(platform, "finance", subject="maker")

        async def cases() -> list[dict]:
            r = await client.get(
                "/v1/payout/recoveries", params={"person_id": person}, headers=finance
            )
            return r.json()["items"] if len(r.json()["items"]) == 2 else []

        await eventually(cases)
        for case in await cases():
            r = await client.post(
                f"/v1/payout/recoveries/{case['id']}/resolve",
                headers=finance | key(),
                json={"method": "offset"},
            )
            assert r.status_code == 200, r.text
            await approve(client, platform, f"/v1/payout/recoveries/{case['id']}/approve")
        assert {c["status"] for c in await cases()} == {"offsetting"}
        benefits = await grant_death_benefits(client, platform, person, SURVIVOR, finance)
        await run_payroll(client, platform, "2025-07")
        june = Decimal("4792.71") + Decimal("500.00")
        line = await scalar(
            platform,
            "SELECT amount || ' ' || offset_amount FROM payout.payment "
            "WHERE program = 'death_benefit'",
        )
        assert line == f"{benefits['total']} {june}"
        # The bank fails June's lines and pays the death benefits less the offset: June was
        # never paid, so nothing was owed back and what was withheld is the estate's.
        name = retired.payload["bank_account_name"]
        await answer(client, platform, {(name, "basic_pension"), (name, "occupational_annuity")})
        voided = await cases()
        assert {(c["status"], c["method"]) for c in voided} == {("void", "line_failed")}
        await run_payroll(client, platform, "2025-08")
        refund = await scalar(
            platform,
            "SELECT json_agg(json_build_array(source, amount::text, account_number, "
            f"tax_withheld::text)) FROM payout.one_off WHERE person_id = '{person}' "
            "AND source = 'offset_refund'",
        )
        assert refund == [["offset_refund", str(june), SURVIVOR["account_number"], "0.00"]]
        await answer(client, platform, set())
        # Given back once: a later run adds nothing.
        await run_payroll(client, platform, "2025-09")
        count = "SELECT count(*) FROM payout.one_off WHERE source = 'offset_refund'"
        assert await scalar(platform, count) == 1
        # The estate got the benefits in full: the lines paid, net of tax, come to the total.
        paid = await scalar(
            platform,
            "SELECT sum(amount - offset_amount) FROM payout.payment "
            f"WHERE person_id = '{person}' AND program = 'death_benefit' AND status = 'paid'",
        )
        assert Decimal(str(paid)) == Decimal(benefits["total"])
        log = await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        assert "death_benefit.offset_refunded" in [e["action"] for e in log.json()["items"]]
