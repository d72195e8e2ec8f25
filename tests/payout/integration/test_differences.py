"""Recalculation differences: a 调待 or a correction for months already paid is back pay in
the next run (once) or a recovery case; each month then sums to the amount in force."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import publish, retire, retirement, review, run_payroll
from tests.shared.integration.helpers import eventually
from tests.support.payout_differences import month_sums, post

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_past_adjustment_is_back_paid_once_and_a_correction_recovered(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(41))
        person = first["person_id"]
        await review(client, platform, first["id"])
        for period in ("2025-04", "2025-05", "2025-06"):
            await run_payroll(client, platform, period)
        basic, annuity = Decimal(first["monthly_amount"]), first["annuity_monthly"]

        raised = await post(
            client,
            platform,
            f"/v1/payout/retirees/{person}/adjustments",
            {"effective_from": "2025-05-01", "fixed_amount": "100.00", "reason": "2025年调待"},
        )
        await review(client, platform, raised["id"])
        r = await client.get(
            f"/v1/payout/retirees/{person}/differences", headers=auth_headers(platform, "auditor")
        )
        assert [
            (d["month"], d["program"], d["kind"], d["amount"], d["status"])
            for d in r.json()["items"]
        ] == [
            ("2025-05-01", "basic_pension", "back_pay", "100.00", "pending"),
            ("2025-06-01", "basic_pension", "back_pay", "100.00", "pending"),
        ]
        assert r.json()["items"][0]["kind_label"] == "补发"

        july = await run_payroll(client, platform, "2025-07")
        assert july["payments"] == 2 + 2  # July's two lines and the two months' back pay
        again = await run_payroll(client, platform, "2025-07")
        assert again["payments"] == 0
        issued = await client.get(
            f"/v1/payout/retirees/{person}/differences", headers=auth_headers(platform, "auditor")
        )
        assert {d["status"] for d in issued.json()["items"]} == {"issued"}
        up = basic + 100
        assert await month_sums(platform, person) == [
            f"2025-04 basic_pension {basic}",
            f"2025-04 occupational_annuity {annuity}",
            f"2025-05 basic_pension {up}",
            f"2025-05 occupational_annuity {annuity}",
            f"2025-06 basic_pension {up}",
            f"2025-06 occupational_annuity {annuity}",
            f"2025-07 basic_pension {up}",
            f"2025-07 occupational_annuity {annuity}",
        ]

        # The basic balance was wrong: a correction from June lowers the account pension.
        corrected = await post(
            client,
            platform,
            f"/v1/payout/determinations/{raised['id']}/corrections",
            {
                "effective_from": "2025-06-01",
                "basic_balance": "81000.00",
                "reason": "个人账户余额更正",
            },
        )
        assert (corrected["kind"], corrected["effective_from"]) == ("recalculation", "2025-06-01")
        assert corrected["adjustments"] == "100.00"  # the 调待 is kept
        await review(client, platform, corrected["id"])
        down = Decimal(corrected["monthly_amount"])
        assert down < up
        r = await client.get(
            f"/v1/payout/recoveries?person_id={person}", headers=auth_headers(platform, "auditor")
        )
        assert sorted((c["period"], c["amount"]) for c in r.json()["items"]) == [
            ("2025-06-01", str(up - down)),
            ("2025-07-01", str(up - down)),
        ]
        sums = await month_sums(platform, person)
        assert sums[4:] == [
            f"2025-06 basic_pension {down}",
            f"2025-06 occupational_annuity {annuity}",
            f"2025-07 basic_pension {down}",
            f"2025-07 occupational_annuity {annuity}",
        ]
        audit = await scalar(
            platform,
            "SELECT string_agg(DISTINCT action, ',') FROM payout.audit_log "
            "WHERE action LIKE 'benefit_difference.%'",
        )
        assert audit == "benefit_difference.back_pay,benefit_difference.recovery"


async def test_a_correction_must_correct_something_of_an_approved_determination(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(42))
        path = f"/v1/payout/determinations/{first['id']}/corrections"
        headers = auth_headers(platform, "clerk")
        r = await client.post(path, headers=headers, json={"basic_balance": "1.00", "reason": "x"})
        assert (r.status_code, r.json()["code"]) == (409, "determination_not_approved")
        await review(client, platform, first["id"])
        r = await client.post(path, headers=headers, json={"reason": "nothing"})
        assert r.status_code == 422
        r = await client.post(
            path,
            headers=headers,
            json={"effective_from": "2025-01-01", "basic_balance": "1.00", "reason": "x"},
        )
        assert (r.status_code, r.json()["code"]) == (422, "effective_before_base")


async def test_back_pay_lines_are_not_months_drawn_from_the_inheritable_balance(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(43)
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
        await run_payroll(client, platform, "2025-07")  # July and the back pay of May, June
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 7, 20)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))
        staff = auth_headers(platform, "finance")

        async def deceased() -> bool:
            status = await scalar(
                platform, f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
            )
            return status == "deceased"

        await eventually(deceased)
        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits",
            headers=staff,
            json={
                "survivor_name": "钱小",
                "survivor_citizen_id": "330522198501011233",
                "relationship": "子女",
                "bank_code": "PSBC",
                "account_number": "6221889900001111",
            },
        )
        assert r.status_code == 201, r.text
        left = Decimal("101000.00") - 4 * Decimal(first["account_pension"])  # April to July
        assert r.json()["basic_balance_left"] == str(left)
