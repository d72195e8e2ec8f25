"""Local subsidies: entitlements, a quarterly run once per person, program and quarter."""

import asyncio
from datetime import date

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.integration.test_accounts_and_interest import scalar
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


async def test_a_retiree_suspended_when_a_quarter_ran_is_back_paid_once_resumed(platform) -> None:
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (65, 66)]
        staff = auth_headers(platform, "clerk")
        for d in people:
            await review(client, platform, d["id"])
            r = await client.post(
                f"/v1/payout/retirees/{d['person_id']}/subsidies",
                headers=staff,
                json={"program": "living_subsidy", "from_quarter": "2025-Q3"},
            )
            assert r.status_code == 201, r.text
        r = await client.post("/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q3"})
        assert r.json()["queued"] == 2
        away, here = (d["person_id"] for d in people)
        certify = f"/v1/payout/retirees/{here}/certifications"
        r = await client.post(
            certify, headers=staff, json={"method": "online", "certified_on": "2026-03-01"}
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            "/v1/payout/certification/suspension-runs", headers=staff, json={"as_of": "2026-04-15"}
        )
        assert r.json()["suspended"] == 1  # the one not certified since retiring
        r = await client.post("/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2026-Q2"})
        assert r.json()["queued"] == 1  # the suspended one is skipped

        resume = f"/v1/payout/retirees/{away}/certifications"
        r = await client.post(
            resume,
            headers=staff,
            json={"method": "home_visit", "certified_on": date.today().isoformat()},
        )
        assert r.json()["resumed"] is True
        again = await client.post(
            "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2026-Q2"}
        )
        assert again.json()["queued"] == 0  # queued on resumption, not twice
        lines = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || amount, ',' ORDER BY period) "
            f"FROM payout.one_off WHERE person_id = '{away}' AND program = 'living_subsidy'",
        )
        assert lines == "2025-07 6000.00,2026-04 6000.00"
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()
        assert "subsidy.back_pay_queued" in {e["action"] for e in log["items"]}
        run = await run_payroll(client, platform, "2026-05")
        paid = await scalar(
            platform,
            "SELECT count(*) FROM payout.payment WHERE program = 'living_subsidy' "
            f"AND person_id = '{away}'",
        )
        assert run["state"] == "done" and paid == 2


async def test_entitlements_do_not_overlap_and_quarters_are_theirs_once(platform) -> None:
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (67, 68)]
        for d in people:
            await review(client, platform, d["id"])
        first, second = (d["person_id"] for d in people)
        staff = auth_headers(platform, "clerk")
        url = f"/v1/payout/retirees/{first}/subsidies"

        def entitlement(**fields) -> dict:
            return {"program": "living_subsidy", "from_quarter": "2025-Q2"} | fields

        reversed_ = await client.post(url, headers=staff, json=entitlement(to_quarter="2025-Q1"))
        assert (reversed_.status_code, reversed_.json()["errors"][0]["field"]) == (
            422,
            "to_quarter",
        )
        # Three overlapping entitlements at once: one is recorded, the others refused.
        answers = await asyncio.gather(
            *(
                client.post(url, headers=staff, json=entitlement(from_quarter=q))
                for q in ("2025-Q2", "2025-Q3", "2025-Q4")
            )
        )
        assert sorted(r.status_code for r in answers) == [201, 409, 409]
        assert {r.json()["code"] for r in answers if r.status_code == 409} <= {
            "entitlement_overlap",
            "entitlement_exists",
        }
        assert len((await client.get(url, headers=staff)).json()) == 1
        # The quarter before the retirement (in March, paid from April) is not theirs.
        early = await client.post(
            url,
            headers=staff,
            json={"program": "hardship_aid", "from_quarter": "2024-Q4", "to_quarter": "2025-Q1"},
        )
        assert early.status_code == 201, early.text
        future = await client.post(
            "/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2099-Q1"}
        )
        assert (future.status_code, future.json()["code"]) == (422, "quarter_in_future")
        for quarter in ("2025-Q1", "2025-Q4"):
            r = await client.post(
                "/v1/payout/subsidy-runs", headers=staff, json={"quarter": quarter}
            )
            assert r.status_code == 200, r.text
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 1  # 2025-Q4

        # Entitled after its quarters ran: they are queued at once, once each.
        late = await client.post(
            f"/v1/payout/retirees/{second}/subsidies",
            headers=staff,
            json={"program": "living_subsidy", "from_quarter": "2025-Q3"},
        )
        assert late.status_code == 201, late.text
        queued = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM'), ',' ORDER BY period) "
            f"FROM payout.one_off WHERE person_id = '{second}'",
        )
        assert queued == "2025-10"  # 2025-Q3 never ran: nothing to catch up for it
        # The same quarter run three times at once: each person's line once.
        answers = await asyncio.gather(
            *(
                client.post("/v1/payout/subsidy-runs", headers=staff, json={"quarter": "2025-Q4"})
                for _ in range(3)
            )
        )
        assert [r.json()["queued"] for r in answers] == [0, 0, 0]
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 2


async def test_a_standard_of_nothing_queues_no_lines(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [d] = await retire(client, platform, retirement(69))
        await review(client, platform, d["id"])
        admin, staff = auth_headers(platform, "admin"), auth_headers(platform, "clerk")
        r = await client.post(
            "/v1/payout/parameters",
            headers=admin,
            json={
                "name": "subsidy.hardship_aid",
                "effective_from": "2025-04-01",
                "value": {"label": "困难补助 (暂停)", "quarterly_amount": "0.00"},
            },
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            f"/v1/payout/retirees/{d['person_id']}/subsidies",
            headers=staff,
            json={"program": "hardship_aid", "from_quarter": "2025-Q2"},
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            "/v1/payout/subsidy-runs",
            headers=staff,
            json={"quarter": "2025-Q2", "program": "hardship_aid"},
        )
        assert r.json()["queued"] == 0 and r.json()["amount"] == "0.00"
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
