"""Subsidies after a death and during a suspension (issue #18, item 5): never paid for a
quarter after the death nor while suspended; lines paid after the death are recovered."""

from datetime import date

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.job_wait import finished
from tests.payout.integration.helpers import (
    entitle,
    key,
    publish,
    resume,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.shared.integration.helpers import eventually
from tests.support.payout_subsidies import run_quarter, subsidy_lines

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_subsidies_stop_at_death_and_paid_quarters_after_it_are_recovered(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(183)  # paid from 2025-04
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        staff = auth_headers(platform, "clerk")
        body = {"program": "living_subsidy", "from_quarter": "2025-Q2"}
        await entitle(client, platform, person, body, staff)
        for quarter in ("2025-Q2", "2025-Q3"):
            assert (await run_quarter(client, platform, quarter))["queued"] == 1
        await run_payroll(client, platform, "2025-07")  # pensions April–July, Q2 and Q3
        assert (await run_quarter(client, platform, "2025-Q4"))["queued"] == 1

        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 6, 10)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def recovered() -> bool:
            r = await client.get(
                "/v1/payout/recoveries", params={"person_id": person}, headers=staff
            )
            return len(r.json()["items"]) == 3

        await eventually(recovered)
        cases = (
            await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=staff)
        ).json()["items"]
        assert {(c["program"], c["period"], c["amount"]) for c in cases} == {
            ("basic_pension", "2025-07-01", "4792.71"),
            ("occupational_annuity", "2025-07-01", "500.00"),
            ("living_subsidy", "2025-07-01", "6000.00"),  # Q3 began after the death
        }
        # Q4 was queued, not sent: cancelled, never paid, never queued again.
        assert await subsidy_lines(platform, person) == (
            "2025-04 issued,2025-07 issued,2025-10 cancelled"
        )
        # Asked again, the quarter answers its one run: nothing is queued again.
        await run_quarter(client, platform, "2025-Q4")
        assert await subsidy_lines(platform, person) == (
            "2025-04 issued,2025-07 issued,2025-10 cancelled"
        )
        assert (await run_quarter(client, platform, "2026-Q1"))["queued"] == 0
        await run_payroll(client, platform, "2025-10")
        paid = await scalar(
            platform,
            "SELECT count(*) FROM payout.payment WHERE program = 'living_subsidy' "
            f"AND person_id = '{person}'",
        )
        assert paid == 2
        # The recovered subsidy is closed like a pension case.
        [case] = [c for c in cases if c["program"] == "living_subsidy"]
        r = await client.post(
            f"/v1/payout/recoveries/{case['id']}/resolve",
            headers=staff | key(),
            json={"method": "bank_return"},
        )
        assert r.json()["status"] == "recovered"
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        assert "subsidy.stopped_by_death" in {e["action"] for e in log}


async def test_a_quarter_the_deceased_lived_in_is_still_paid_after_the_death(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(184)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await entitle(
            client,
            platform,
            person,
            {"program": "living_subsidy", "from_quarter": "2025-Q2"},
            auth_headers(platform, "clerk"),
        )
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 3)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def deceased() -> bool:
            status = await scalar(
                platform, f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
            )
            return status == "deceased"

        await eventually(deceased)
        # Q2 (from April) was lived in: owed; Q3 (from July, after May) is not.
        assert (await run_quarter(client, platform, "2025-Q2"))["queued"] == 1
        assert (await run_quarter(client, platform, "2025-Q3"))["queued"] == 0
        assert await subsidy_lines(platform, person) == "2025-04 pending"


async def test_subsidies_queued_before_a_suspension_wait_for_the_resumption(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(185))
        person = first["person_id"]
        await review(client, platform, first["id"])
        staff = auth_headers(platform, "clerk")
        await entitle(
            client,
            platform,
            person,
            {"program": "living_subsidy", "from_quarter": "2026-Q1"},
            staff,
        )
        assert (await run_quarter(client, platform, "2026-Q1"))["queued"] == 1
        r = await finished(
            client,
            await client.post(
                "/v1/payout/certification/suspension-runs",
                headers=staff | key(),
                json={"as_of": "2026-04-30"},
            ),
        )
        assert r.json()["suspended"] == 1
        assert await subsidy_lines(platform, person) == "2026-01 held"
        await run_payroll(client, platform, "2026-04")
        paid = await scalar(
            platform,
            "SELECT count(*) FROM payout.payment WHERE program = 'living_subsidy' "
            f"AND person_id = '{person}'",
        )
        assert paid == 0  # not while suspended
        resumed = await resume(client, platform, person, agency_today().isoformat(), staff)
        assert resumed["resumed"] is True
        assert await subsidy_lines(platform, person) == "2026-01 pending"
        await run_payroll(client, platform, "2026-05")
        paid = await scalar(
            platform,
            "SELECT count(*) || ' ' || sum(amount) FROM payout.payment "
            f"WHERE program = 'living_subsidy' AND person_id = '{person}'",
        )
        assert paid == "1 6000.00"
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        assert {"subsidy.held", "subsidy.released"} <= {e["action"] for e in log}
