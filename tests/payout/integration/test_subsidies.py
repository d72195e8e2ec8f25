"""Local subsidies: entitlements, a quarterly run once per person, program and quarter."""

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.payout.integration.helpers import retire, retirement, review, run_payroll

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_quarterly_subsidies_are_paid_once_through_the_batches(platform) -> None:
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (61, 62)]
        for d in people:
            await review(client, platform, d["id"])
        staff = auth_headers(platform, "clerk")
        for d, extra in zip(people, ({}, {"quarterly_amount": "7500.00"}), strict=True):
            r = await client.post(
                f"/v1/payout/retirees/{d['person_id']}/subsidies",
                headers=staff,
                json={"program": "living_subsidy", "from_quarter": "2025-Q2"} | extra,
            )
            assert r.status_code == 201, r.text
        twice = await client.post(
            f"/v1/payout/retirees/{people[0]['person_id']}/subsidies",
            headers=staff,
            json={"program": "living_subsidy", "from_quarter": "2025-Q2"},
        )
        assert (twice.status_code, twice.json()["code"]) == (409, "entitlement_exists")
        bad = await client.post(
            "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q5"}
        )
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "quarter")
        r = await client.post("/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q2"})
        assert r.json()["queued"] == 2 and r.json()["amount"] == "13500.00"  # 6000 standard
        again = await client.post(
            "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q2"}
        )
        assert again.json()["queued"] == 0
        run = await run_payroll(client, platform, "2025-04")
        assert run["payments"] == 2 * 2 + 2  # a month of pensions, the two subsidies
        batches = (await client.get("/v1/payout/batches", headers=staff)).json()
        [subsidy] = [b for b in batches if b["program"] == "living_subsidy"]
        assert subsidy["total"] == {"count": 2, "amount": "13500.00"}
        ledger = (await client.get("/v1/payout/ledger/2025", headers=staff)).json()
        assert [x["period"] for x in ledger if x["program"] == "living_subsidy"] == ["2025-Q2"]
