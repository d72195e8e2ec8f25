"""遗属生活补助 belongs to survivors (issue #18, item 12): paid to the survivor named at the
death, from the month after it, until it ends; approved by a second person."""

from datetime import date

import pytest

from services.payout.main import create_app
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
from tests.support.payout_deaths import dies
from tests.support.payout_subsidies import run_quarter

pytestmark = pytest.mark.asyncio(loop_scope="session")
SURVIVOR = {
    "survivor_name": "孙遗",
    "survivor_citizen_id": "330522196001010016",
    "relationship": "配偶",
    "bank_code": "ICBC",
    "account_number": "6222020000007777",
}


async def ask(client, platform, person: str, body: dict):
    return await client.post(
        f"/v1/payout/retirees/{person}/subsidies",
        headers=auth_headers(platform, "finance") | key(),
        json=body,
    )


async def test_a_survivor_pension_is_paid_to_the_survivor_from_the_month_after(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(189)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        pension = {"program": "survivor_pension", "from_quarter": "2025-Q3", "survivor": SURVIVOR}
        living = await ask(client, platform, person, pension)
        assert (living.status_code, living.json()["code"]) == (409, "retiree_not_deceased")
        await dies(platform, retired, date(2025, 6, 10))  # paid to the end of June
        assert (await run_quarter(client, platform, "2025-Q3"))["queued"] == 0

        refusals = [
            (pension | {"from_quarter": "2025-Q2"}, 422, "quarter_before_survivorship"),
            ({k: v for k, v in pension.items() if k != "survivor"}, 422, "validation_failed"),
            (
                pension | {"survivor": SURVIVOR | {"survivor_citizen_id": "330522196001010017"}},
                422,
                "validation_failed",
            ),
            (
                pension
                | {"survivor": SURVIVOR | {"survivor_citizen_id": retired.payload["citizen_id"]}},
                422,
                "survivor_is_deceased",
            ),
            (
                {"program": "living_subsidy", "from_quarter": "2025-Q3", "survivor": SURVIVOR},
                422,
                "validation_failed",
            ),
            ({"program": "living_subsidy", "from_quarter": "2025-Q3"}, 409, "retiree_deceased"),
        ]
        for body, status, code in refusals:
            r = await ask(client, platform, person, body)
            assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)

        r = await ask(client, platform, person, pension | {"end_condition": "遗属再婚或死亡时停发"})
        assert r.status_code == 201, r.text
        asked = r.json()
        assert (asked["status"], asked["survivor_name"], asked["end_condition"]) == (
            "requested",
            "孙遗",
            "遗属再婚或死亡时停发",
        )
        own = await client.post(
            f"/v1/payout/subsidies/{asked['id']}/approve",
            headers=auth_headers(platform, "finance") | key(),
        )
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        approved = await approve(client, platform, f"/v1/payout/subsidies/{asked['id']}/approve")
        assert approved["status"] == "approved"
        # Q3 was run before the approval: queued on it, to the survivor.
        assert (await run_quarter(client, platform, "2025-Q4"))["queued"] == 1
        await run_payroll(client, platform, "2025-10")
        lines = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || person_number || ' ' "
            "|| bank_code || ' ' || account_number || ' ' || amount, '|' ORDER BY period) "
            f"FROM payout.payment WHERE person_id = '{person}' AND program = 'survivor_pension'",
        )
        assert lines.split("|") == [
            "2025-07 330522196001010016 ICBC 6222020000007777 1500.00",
            "2025-10 330522196001010016 ICBC 6222020000007777 1500.00",
        ]
        # Paid after the death, to the survivor: not an overpayment.
        cases = await scalar(
            platform,
            "SELECT count(*) FROM payout.recovery WHERE program = 'survivor_pension'",
        )
        assert cases == 0
        # It ends as stated: ended after 2025-Q4, 2026-Q1 is not paid.
        r = await client.post(
            f"/v1/payout/subsidies/{asked['id']}/end",
            headers=auth_headers(platform, "clerk") | key(),
            json={"last_quarter": "2025-Q4", "reason": "遗属再婚"},
        )
        assert r.status_code == 200, r.text
        assert (await run_quarter(client, platform, "2026-Q1"))["queued"] == 0
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        [requested] = [
            e
            for e in log
            if e["action"] == "subsidy.requested" and e["detail"].get("survivor_name")
        ]
        assert requested["detail"]["account_number"].endswith("7777")
        assert "6222020000007777" not in str(requested["detail"])


async def test_a_survivor_not_certified_in_time_is_not_paid_until_certified_again(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(190)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await dies(platform, retired, date(2025, 6, 10))
        # The survivor was certified on 2025-06-20: covered to 2026-07-20 (12 months + 30 days).
        survivor = SURVIVOR | {"certified_on": "2025-06-20"}
        body = {"program": "survivor_pension", "from_quarter": "2025-Q3", "survivor": survivor}
        r = await ask(client, platform, person, body)
        assert r.status_code == 201, r.text
        pension = r.json()
        assert pension["survivor_certified_on"] == "2025-06-20"
        await approve(client, platform, f"/v1/payout/subsidies/{pension['id']}/approve")
        queued = [
            (await run_quarter(client, platform, q))["queued"]
            for q in ("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
        ]
        # 2026-Q4 begins after the certification lapsed: not paid, like a suspended retiree.
        assert queued == [1, 1, 1, 1, 1, 0]
        url = f"/v1/payout/subsidies/{pension['id']}/survivor-certifications"
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        future = await client.post(
            url, headers=clerk | key(), json={"method": "home_visit", "certified_on": "2999-01-01"}
        )
        assert (future.status_code, future.json()["code"]) == (422, "date_in_future")
        # Certified again: the quarter missed waits for a second person.
        r = await client.post(
            url, headers=clerk | key(), json={"method": "home_visit", "certified_on": "2026-11-02"}
        )
        assert r.status_code == 200, r.text
        asked = r.json()
        assert (asked["survivor_certified_on"], asked["survivor_recertified_on"]) == (
            "2025-06-20",
            "2026-11-02",
        )
        own = await client.post(f"{url}/approve", headers=clerk | key())
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        lines = (
            "SELECT string_agg(to_char(period, 'YYYY-MM'), ' ' ORDER BY period) "
            f"FROM payout.one_off WHERE person_id = '{person}' AND program = 'survivor_pension'"
        )
        assert not (await scalar(platform, lines)).endswith("2026-10")
        approved = await approve(client, platform, f"{url}/approve")
        assert (approved["survivor_certified_on"], approved["survivor_recertified_on"]) == (
            "2026-11-02",
            None,
        )
        assert await scalar(platform, lines) == ("2025-07 2025-10 2026-01 2026-04 2026-07 2026-10")
        # A certification that is not pending is not approved.
        again = await client.post(
            f"{url}/approve", headers=auth_headers(platform, "finance") | key()
        )
        assert (again.status_code, again.json()["code"]) == (409, "resumption_not_pending")
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        actions = {e["action"] for e in log}
        assert {"subsidy.survivor_resumption_requested", "subsidy.survivor_resumed"} <= actions
