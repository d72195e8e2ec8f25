"""Four eyes on a resumption (issue #17): a certification of a suspended retiree resumes
payment, and pays the withheld months, only once a second person approves it."""

import pytest

from services.payout.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.job_wait import finished
from tests.payout.integration.helpers import approve, key, retire, retirement, review, run_payroll

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_resumption_waits_for_a_second_person(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(45))
        await review(client, platform, first["id"])
        person = first["person_id"]
        await run_payroll(client, platform, "2025-05")
        payments = "SELECT count(*) FROM payout.payment"
        before = await scalar(platform, payments)
        clerk = auth_headers(platform, "clerk", subject="certifier")
        certify = f"/v1/payout/retirees/{person}/certifications"
        today = agency_today().isoformat()

        # Not suspended: one step, nothing to approve.
        r = await client.post(
            certify, headers=clerk | key(), json={"method": "online", "certified_on": "2025-06-01"}
        )
        assert r.status_code == 201, r.text
        assert (r.json()["resumed"], r.json()["resumption"]) == (False, None)

        runs = "/v1/payout/certification/suspension-runs"
        r = await finished(
            client, await client.post(runs, headers=clerk | key(), json={"as_of": "2026-07-15"})
        )
        assert r.json()["suspended"] == 1
        status = f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
        data_match = await client.post(
            certify, headers=clerk | key(), json={"method": "data_match", "certified_on": today}
        )
        assert data_match.json()["resumption"] == "pending"
        pending = data_match.json()["id"]
        url = f"/v1/payout/certifications/{pending}"
        listed = await client.get(
            "/v1/payout/certifications", headers=auth_headers(platform, "auditor")
        )
        assert [i["id"] for i in listed.json()["items"]] == [pending]
        # The daily run leaves a pending resumption alone: the retiree stays suspended.
        r = await finished(
            client, await client.post(runs, headers=clerk | key(), json={"as_of": today})
        )
        assert r.json()["suspended"] == 0
        assert await scalar(platform, status) == "suspended"
        skipped = await run_payroll(client, platform, "2025-08")
        assert skipped["payments"] == 0  # no back pay before approval

        admin = auth_headers(platform, "admin", subject="root")
        auditor = auth_headers(platform, "auditor", subject="auditor-1")
        for who, code in (
            (clerk, "four_eyes_required"),
            (admin, "approver_role_required"),
            (auditor, "approver_role_required"),
        ):
            r = await client.post(f"{url}/approve", headers=who | key())
            assert (r.status_code, r.json()["code"]) == (403, code)
        second = auth_headers(platform, "clerk", subject="second-clerk")
        r = await client.post(f"{url}/reject", headers=second | key(), json={})
        assert (r.status_code, r.json()["code"]) == (422, "note_required")
        r = await client.post(f"{url}/reject", headers=second | key(), json={"note": "未见本人"})
        assert r.status_code == 200, r.text
        assert (r.json()["resumption"], r.json()["decision_note"]) == ("rejected", "未见本人")
        r = await client.post(f"{url}/approve", headers=second | key())
        assert (r.status_code, r.json()["code"]) == (409, "resumption_not_pending")
        assert await scalar(platform, status) == "suspended"
        assert await scalar(platform, payments) == before

        # A new certification, approved by finance: resumed, the next run pays the back pay.
        r = await client.post(
            certify, headers=clerk | key(), json={"method": "home_visit", "certified_on": today}
        )
        again = r.json()["id"]
        approved = await approve(
            client,
            platform,
            f"/v1/payout/certifications/{again}/approve",
            approver="second-finance",
            role="finance",
        )
        assert (approved["resumed"], approved["resumption"]) == (True, "approved")
        assert await scalar(platform, status) == "active"
        paid = await run_payroll(client, platform, "2025-08")
        assert paid["payments"] == 2 * 3  # June to August, two programs
        rejected = await client.get(
            "/v1/payout/certifications", params={"status": "rejected"}, headers=clerk
        )
        assert [i["id"] for i in rejected.json()["items"]] == [pending]
        log = (await client.get("/v1/payout/audit-log", headers=auditor)).json()
        assert {
            "retiree.resumption_requested",
            "retiree.resumption_rejected",
            "retiree.resumed",
        } <= {e["action"] for e in log["items"]}
