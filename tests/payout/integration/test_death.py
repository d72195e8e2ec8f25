"""Death: payment stops after the month of death, later payments recovered, benefits once."""

from datetime import date

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import (
    approve,
    key,
    publish,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
SURVIVOR = {
    "survivor_name": "钱小",
    "survivor_citizen_id": "330522198501011233",
    "relationship": "子女",
    "bank_code": "PSBC",
    "account_number": "6221889900001111",
}


async def test_death_stops_payment_recovers_and_pays_benefits_once(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(51)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        staff = auth_headers(platform, "finance")
        early = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff, json=SURVIVOR
        )
        assert (early.status_code, early.json()["code"]) == (409, "retiree_not_deceased")

        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 10)
        )
        envelope = EventEnvelope.wrap(death, source="enrollment", aggregate_id=person)
        await publish(platform, envelope)
        await publish(platform, envelope, msg_id="delivered-again")

        async def recovered() -> bool:
            r = await client.get(
                "/v1/payout/recoveries", params={"person_id": person}, headers=staff
            )
            return len(r.json()["items"]) == 2

        await eventually(recovered)
        cases = (
            await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=staff)
        ).json()["items"]
        assert {(c["program"], c["period"], c["amount"]) for c in cases} == {
            ("basic_pension", "2025-06-01", "4792.71"),
            ("occupational_annuity", "2025-06-01", "500.00"),
        }
        second = (
            await client.get(
                "/v1/payout/recoveries",
                params={"person_id": person, "limit": 1, "offset": 1},
                headers=staff,
            )
        ).json()
        assert (second["total"], second["items"]) == (2, cases[1:])  # paged in SQL, same order
        july = await run_payroll(client, platform, "2025-07")
        assert july["payments"] == 0

        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits",
            headers=auth_headers(platform, "finance", **{"Idempotency-Key": "death-51-0001"}),
            json=SURVIVOR,
        )
        assert r.status_code == 201, r.text
        benefits = r.json()
        # 5000 funeral + 20 × 4792.71 + (101000 − 2 × 1000) + (50500 − 2 × 500)
        assert benefits["survivor_amount"] == "95854.20"
        assert (benefits["basic_balance_left"], benefits["annuity_balance_left"]) == (
            "99000.00",
            "49500.00",
        )
        assert benefits["total"] == "249354.20"
        assert (benefits["status"], benefits["created_by"]) == ("requested", "test-finance")
        retry = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits",
            headers=auth_headers(platform, "finance", **{"Idempotency-Key": "death-51-0001"}),
            json=SURVIVOR,
        )
        assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
        twice = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff, json=SURVIVOR
        )
        assert (twice.status_code, twice.json()["code"]) == (409, "death_benefit_exists")
        # Requested, not approved: no run pays it.
        august = await run_payroll(client, platform, "2025-08")
        assert august["payments"] == 0
        approve_url = f"/v1/payout/retirees/{person}/death-benefits/approve"
        own = await client.post(approve_url, headers=staff | key())
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        approved = await approve(client, platform, approve_url)
        assert (approved["status"], approved["decided_by"]) == ("approved", "second-clerk")
        september = await run_payroll(client, platform, "2025-09")
        assert september["payments"] == 1
        line = await scalar(
            platform,
            "SELECT account_number || ' ' || amount FROM payout.payment "
            "WHERE program = 'death_benefit'",
        )
        assert line == "6221889900001111 249354.20"

        case = cases[0]["id"]
        r = await client.post(
            f"/v1/payout/recoveries/{case}/resolve", headers=staff, json={"method": "bank_return"}
        )
        assert r.status_code == 200 and r.json()["status"] == "recovered"
        assert r.json()["resolved_by"] == "test-finance"  # money back: who recorded it
        again = await client.post(
            f"/v1/payout/recoveries/{case}/resolve", headers=staff, json={"method": "waived"}
        )
        assert (again.status_code, again.json()["code"]) == (409, "recovery_closed")
        # A write-off forgives a debt: requested by one, approved by another.
        other = cases[1]["id"]
        r = await client.post(
            f"/v1/payout/recoveries/{other}/resolve",
            headers=staff | key(),
            json={"method": "waived"},
        )
        assert (r.json()["status"], r.json()["requested_by"]) == (
            "pending_approval",
            "test-finance",
        )
        pending = await client.post(
            f"/v1/payout/recoveries/{other}/resolve",
            headers=staff | key(),
            json={"method": "heirs_refund"},
        )
        assert (pending.status_code, pending.json()["code"]) == (409, "recovery_pending")
        # Rejected by a second person: the case is open again, and may be asked for anew.
        reopened = await approve(client, platform, f"/v1/payout/recoveries/{other}/reject")
        assert (reopened["status"], reopened["requested_by"]) == ("open", None)
        r = await client.post(
            f"/v1/payout/recoveries/{other}/resolve",
            headers=staff | key(),
            json={"method": "waived"},
        )
        assert r.json()["status"] == "pending_approval"
        own = await client.post(f"/v1/payout/recoveries/{other}/approve", headers=staff | key())
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        waived = await approve(client, platform, f"/v1/payout/recoveries/{other}/approve")
        assert (waived["status"], waived["method"], waived["resolved_by"]) == (
            "waived",
            "waived",
            "second-clerk",
        )
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        [entry] = [e for e in log if e["action"] == "recovery.waived"]
        assert (entry["actor"], entry["detail"]["requested_by"]) == ("second-clerk", "test-finance")
        assert {"recovery.waiver_requested", "recovery.waiver_rejected"} <= {
            e["action"] for e in log
        }


async def test_a_death_consumed_before_the_retirement_still_stops_payment(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(52)
        person = retired.aggregate_id
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 4, 20)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def noticed() -> bool:
            return await scalar(platform, "SELECT count(*) FROM payout.death_notice") == 1

        await eventually(noticed)
        [first] = await retire(client, platform, retired)
        await review(client, platform, first["id"])
        state = await scalar(
            platform,
            "SELECT status || ' ' || to_char(last_month, 'YYYY-MM') FROM payout.retiree "
            f"WHERE person_id = '{person}'",
        )
        assert state == "deceased 2025-04"
        run = await run_payroll(client, platform, "2025-06")
        # April only (retired in March, died in April); nothing after.
        assert run["payments"] == 2
