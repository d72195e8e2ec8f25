"""Survival certification: overdue retirees are suspended; certifying asks for a resumption
that a second person approves, and then the back pay follows."""

import io

import pytest
from openpyxl import load_workbook

from services.payout.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.job_wait import finished
from tests.payout.integration.helpers import approve, key, retire, retirement, review, run_payroll

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_suspended_when_overdue_and_resumed_with_back_pay(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(41))
        await review(client, platform, first["id"])
        person = first["person_id"]
        await run_payroll(client, platform, "2025-05")  # April and May 2025
        clerk = auth_headers(platform, "clerk")
        url = "/v1/payout/certification"

        soon = await client.get(f"{url}/due-soon", params={"as_of": "2026-03-01"}, headers=clerk)
        assert [i["person_id"] for i in soon.json()["items"]] == [person]
        assert soon.json()["items"][0]["due_on"] == "2026-03-15"
        early = await finished(
            client,
            await client.post(
                f"{url}/suspension-runs", json={"as_of": "2026-04-14"}, headers=clerk
            ),
        )
        assert early.json()["suspended"] == 0  # due 15 March, 30 days' grace
        late = await finished(
            client,
            await client.post(
                f"{url}/suspension-runs", json={"as_of": "2026-04-15"}, headers=clerk
            ),
        )
        assert late.json()["suspended"] == 1
        future = await finished(
            client,
            await client.post(
                f"{url}/suspension-runs", json={"as_of": "2099-01-01"}, headers=clerk
            ),
        )
        assert (future.status_code, future.json()["code"]) == (422, "date_in_future")
        overdue = await client.get(f"{url}/overdue", params={"as_of": "2026-05-01"}, headers=clerk)
        assert overdue.json()["items"][0]["status"] == "suspended"
        auditor = await client.get(
            f"{url}/overdue",
            params={"as_of": "2026-05-01"},
            headers=auth_headers(platform, "auditor"),
        )
        assert "*" in auditor.json()["items"][0]["citizen_id"]

        skipped = await run_payroll(client, platform, "2026-05")
        assert (skipped["total"], skipped["payments"]) == (0, 0)

        certify = f"/v1/payout/retirees/{person}/certifications"
        r = await client.post(
            certify, headers=clerk, json={"method": "online", "certified_on": "1990-01-01"}
        )
        assert (r.status_code, r.json()["code"]) == (422, "date_before_retirement")
        # A certification itself overdue today is recorded but proves nothing now.
        stale = await client.post(
            certify, headers=clerk, json={"method": "data_match", "certified_on": "2025-04-01"}
        )
        assert stale.status_code == 201 and stale.json()["resumed"] is False
        status = f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
        assert await scalar(platform, status) == "suspended"
        today = agency_today().isoformat()
        r = await client.post(
            certify,
            headers=clerk | key(),
            json={"method": "home_visit", "certified_on": today, "out_of_province": True},
        )
        assert r.status_code == 201, r.text
        assert r.json()["method_label"] == "上门认证"
        # One clerk's word resumes nothing: the resumption waits for a second person.
        assert (r.json()["resumed"], r.json()["resumption"]) == (False, "pending")
        assert await scalar(platform, status) == "suspended"
        resumption = r.json()["id"]
        # An older record found later is history: it changes neither payment nor residence.
        older = await client.post(
            certify,
            headers=clerk,
            json={"method": "festival_visit", "certified_on": "2026-01-01"},
        )
        assert older.status_code == 201 and older.json()["resumed"] is False
        last = await scalar(
            platform,
            "SELECT last_certified_on::text || ' ' || out_of_province FROM payout.retiree "
            f"WHERE person_id = '{person}'",
        )
        assert last == f"{today} true"
        bad = await client.post(
            f"/v1/payout/retirees/{person}/certifications",
            headers=clerk,
            json={"method": "telepathy", "certified_on": today},
        )
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "method")
        approved = await approve(
            client, platform, f"/v1/payout/certifications/{resumption}/approve"
        )
        assert (approved["resumed"], approved["resumption"]) == (True, "approved")
        assert approved["decided_by"] == "second-clerk"
        resumed = await run_payroll(client, platform, "2026-05")
        # Back pay: June 2025 to May 2026, twelve months, two programs.
        assert (resumed["total"], resumed["payments"]) == (1, 24)
        assert await scalar(platform, "SELECT count(DISTINCT period) FROM payout.payment") == 14
        away = await client.get(f"{url}/out-of-province", headers=clerk)
        assert [i["person_id"] for i in away.json()["items"]] == [person]
        book = await client.get(f"{url}/out-of-province?format=xlsx", headers=clerk)
        rows = list(
            load_workbook(io.BytesIO(book.content)).worksheets[0].iter_rows(values_only=True)
        )
        assert len(rows) == 2 and rows[1][4] == "正常发放" and rows[1][7] == "是"
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()
        assert {"retiree.suspended", "retiree.resumed", "retiree.certified"} <= {
            e["action"] for e in log["items"]
        }
