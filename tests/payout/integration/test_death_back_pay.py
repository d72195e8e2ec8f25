"""Back pay owed to a deceased retiree: paid once to the survivor, with the death benefits or
as an addition to them; back pay for months after the death cancelled; a month after the
death never recovered twice."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.domain.periods import add_months, month_of
from services.payout.main import create_app
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
from tests.support.payout_deaths import SURVIVOR, dies, post

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def differences(client, platform, person: str) -> list[tuple]:
    r = await client.get(
        f"/v1/payout/retirees/{person}/differences", headers=auth_headers(platform, "auditor")
    )
    return [
        (d["month"], d["program"], d["amount"], d["status"], d["one_off_id"])
        for d in r.json()["items"]
    ]


async def lines_for(platform, person: str) -> str:
    """Every payment line of the person and of their survivor, in order."""
    return await scalar(
        platform,
        "SELECT string_agg(program || ' ' || to_char(period, 'YYYY-MM') || ' ' || amount "
        "|| CASE WHEN difference_id IS NULL THEN '' ELSE ' back_pay' END, '|' "
        "ORDER BY program, period, created_at) "
        f"FROM payout.payment WHERE person_id = '{person}'",
    )


async def test_back_pay_pending_at_the_death_is_paid_once_with_the_benefits(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(53)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        raised = await post(
            client,
            platform,
            f"/v1/payout/retirees/{person}/adjustments",
            {"effective_from": "2025-05-01", "fixed_amount": "100.00", "reason": "2025年调待"},
        )
        await review(client, platform, raised["id"])
        # Died in May before a run paid May's and June's back pay: May's is the estate's,
        # June's is not owed at all (June itself is recovered).
        await dies(platform, retired, date(2025, 5, 20))
        assert await differences(client, platform, person) == [
            ("2025-05-01", "basic_pension", "100.00", "pending", None),
            ("2025-06-01", "basic_pension", "100.00", "cancelled", None),
        ]
        staff = auth_headers(platform, "finance")
        r = await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=staff)
        assert sorted((c["program"], c["period"], c["amount"]) for c in r.json()["items"]) == [
            ("basic_pension", "2025-06-01", "4792.71"),
            ("occupational_annuity", "2025-06-01", "500.00"),
        ]

        # A run in between pays the deceased nothing: the back pay is not the retiree's now.
        july = await run_payroll(client, platform, "2025-07")
        assert july["payments"] == 0

        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff, json=SURVIVOR
        )
        assert r.status_code == 201, r.text
        benefits = r.json()
        # 5000 + 20 × 4892.71 (May's benefit, with the 调待) + (101000 − 2 × 1000)
        # + (50500 − 2 × 500) + 100 back pay for May
        assert (benefits["survivor_amount"], benefits["back_pay"]) == ("97854.20", "100.00")
        assert benefits["total"] == "251454.20"
        [line] = benefits["back_pay_lines"]
        assert (line["month"], line["amount"], line["one_off_id"]) == (
            "2025-05-01",
            "100.00",
            benefits["one_off_id"],
        )
        assert benefits["additions"] == []
        assert await differences(client, platform, person) == [
            ("2025-05-01", "basic_pension", "100.00", "to_survivor", benefits["one_off_id"]),
            ("2025-06-01", "basic_pension", "100.00", "cancelled", None),
        ]
        # Rejected by a second person: nothing is paid, the back pay is owed again, and a
        # corrected request carries it.
        rejected = await approve(
            client, platform, f"/v1/payout/retirees/{person}/death-benefits/reject"
        )
        assert (rejected["status"], rejected["decided_by"]) == ("rejected", "second-clerk")
        assert await differences(client, platform, person) == [
            ("2025-05-01", "basic_pension", "100.00", "pending", None),
            ("2025-06-01", "basic_pension", "100.00", "cancelled", None),
        ]
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
        r = await client.get(f"/v1/payout/retirees/{person}/death-benefits", headers=staff)
        assert (r.status_code, r.json()["code"]) == (404, "death_benefit_not_found")
        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff | key(), json=SURVIVOR
        )
        assert r.status_code == 201, r.text
        benefits = r.json()
        assert (benefits["back_pay"], benefits["total"]) == ("100.00", "251454.20")
        await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/approve")

        august = await run_payroll(client, platform, "2025-08")
        assert august["payments"] == 1
        september = await run_payroll(client, platform, "2025-09")
        assert september["payments"] == 0
        assert (await lines_for(platform, person)).split("|") == [
            "basic_pension 2025-04 4792.71",
            "basic_pension 2025-05 4792.71",
            "basic_pension 2025-06 4792.71",
            "death_benefit 2025-05 251454.20",
            "occupational_annuity 2025-04 500.00",
            "occupational_annuity 2025-05 500.00",
            "occupational_annuity 2025-06 500.00",
        ]
        survivor = await scalar(
            platform,
            "SELECT account_number || ' ' || account_name FROM payout.payment "
            f"WHERE id = '{benefits['one_off_id']}'",
        )
        assert survivor == "6221889900001111 钱小"
        audit = await scalar(
            platform,
            "SELECT string_agg(DISTINCT action, ',' ORDER BY action) FROM payout.audit_log "
            "WHERE object_type = 'benefit_difference' AND action IN "
            "('benefit_difference.to_survivor', 'benefit_difference.cancelled')",
        )
        assert audit == "benefit_difference.cancelled,benefit_difference.to_survivor"


async def test_back_pay_found_after_the_death_goes_with_the_benefits_or_after_them(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(54)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        await dies(platform, retired, date(2025, 6, 10))

        # A correction approved after the death, for May on: May and June are owed.
        corrected = await post(
            client,
            platform,
            f"/v1/payout/determinations/{first['id']}/corrections",
            {"effective_from": "2025-05-01", "average_index": "1.2000", "reason": "指数更正"},
        )
        await review(client, platform, corrected["id"])
        delta = Decimal(corrected["monthly_amount"]) - Decimal(first["monthly_amount"])
        assert delta > 0
        assert [d[:4] for d in await differences(client, platform, person)] == [
            ("2025-05-01", "basic_pension", str(delta), "pending"),
            ("2025-06-01", "basic_pension", str(delta), "pending"),
        ]
        july = await run_payroll(client, platform, "2025-07")
        assert july["payments"] == 0  # nothing for the deceased; nothing granted yet

        staff = auth_headers(platform, "finance")
        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff, json=SURVIVOR
        )
        assert r.status_code == 201, r.text
        benefits = r.json()
        assert benefits["back_pay"] == str(2 * delta)
        assert benefits["survivor_base"] == corrected["monthly_amount"]
        grant = benefits["one_off_id"]
        await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/approve")
        august = await run_payroll(client, platform, "2025-08")
        assert august["payments"] == 1

        # After the grant: each correction's back pay is one more payment to the survivor,
        # in the month it is queued (or the next free one).
        again = await post(
            client,
            platform,
            f"/v1/payout/determinations/{corrected['id']}/corrections",
            {"effective_from": "2025-06-01", "average_index": "1.3000", "reason": "指数再更正"},
        )
        await review(client, platform, again["id"])
        june_up = Decimal(again["monthly_amount"]) - Decimal(corrected["monthly_amount"])
        last = await post(
            client,
            platform,
            f"/v1/payout/determinations/{again['id']}/corrections",
            {"effective_from": "2025-06-01", "deemed_index": "1.2000", "reason": "视同指数更正"},
        )
        await review(client, platform, last["id"])
        deemed_up = Decimal(last["monthly_amount"]) - Decimal(again["monthly_amount"])
        r = await client.get(f"/v1/payout/retirees/{person}/death-benefits", headers=staff)
        shown = r.json()
        this_month = month_of(agency_today())
        assert [(a["period"], a["amount"], a["status"]) for a in shown["additions"]] == [
            (this_month.isoformat(), str(june_up), "pending"),
            (add_months(this_month, 1).isoformat(), str(deemed_up), "pending"),
        ]
        first_addition, second_addition = (a["id"] for a in shown["additions"])
        assert [(x["month"], x["amount"], x["one_off_id"]) for x in shown["back_pay_lines"]] == [
            ("2025-05-01", str(delta), grant),
            ("2025-06-01", str(delta), grant),
            ("2025-06-01", str(june_up), first_addition),
            ("2025-06-01", str(deemed_up), second_addition),
        ]
        assert shown["total"] == benefits["total"]  # the grant is as it was paid

        september = await run_payroll(client, platform, "2025-09")
        assert september["payments"] == 2
        october = await run_payroll(client, platform, "2025-10")
        assert october["payments"] == 0
        paid = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || amount, '|' ORDER BY period) "
            f"FROM payout.payment WHERE person_id = '{person}' AND program = 'death_benefit' "
            "AND account_number = '6221889900001111'",
        )
        assert paid.split("|") == [
            f"2025-06 {benefits['total']}",
            f"{this_month:%Y-%m} {june_up}",
            f"{add_months(this_month, 1):%Y-%m} {deemed_up}",
        ]
        back_pay_lines = await scalar(
            platform,
            f"SELECT count(*) FROM payout.payment WHERE person_id = '{person}' "
            "AND difference_id IS NOT NULL",
        )
        assert back_pay_lines == 0  # nothing went to the deceased's own account
        queued = await scalar(
            platform,
            "SELECT count(*) FROM payout.audit_log WHERE action = 'death_benefit.addition_queued'",
        )
        assert queued == 2


async def test_a_month_after_the_death_is_never_recovered_twice(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(55)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        # A correction lowers June: a recovery case for the part overpaid.
        lower = await post(
            client,
            platform,
            f"/v1/payout/determinations/{first['id']}/corrections",
            {"effective_from": "2025-06-01", "basic_balance": "81000.00", "reason": "余额更正"},
        )
        await review(client, platform, lower["id"])
        cut = Decimal(first["monthly_amount"]) - Decimal(lower["monthly_amount"])
        staff = auth_headers(platform, "finance")
        r = await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=staff)
        [case] = r.json()["items"]
        assert (case["period"], case["amount"]) == ("2025-06-01", str(cut))

        # Then the death in May is learned: June is recovered whole, not once and a bit.
        await dies(platform, retired, date(2025, 5, 10))
        r = await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=staff)
        assert sorted((c["program"], c["amount"]) for c in r.json()["items"]) == sorted(
            [
                ("basic_pension", str(cut)),
                ("basic_pension", str(Decimal("4792.71") - cut)),
                ("occupational_annuity", "500.00"),
            ]
        )
        june = await scalar(
            platform,
            f"SELECT sum(amount) FROM payout.recovery WHERE person_id = '{person}' "
            "AND program = 'basic_pension'",
        )
        assert june == Decimal("4792.71")  # what was paid for June, no more
