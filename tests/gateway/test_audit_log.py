"""The gateway's audit log: logins (never the password), lockouts, unlocks, revocations,
signed links and refused attempts, as a filtered page and a download."""

import csv
import io

import pytest

from tests.conftest import auth_headers
from tests.support.gateway_logins import ATTACKER, OFFICE, gateway, login

pytestmark = pytest.mark.asyncio(loop_scope="session")
PERSON = "0b6c5d0e-0000-4000-8000-000000000001"


async def test_logins_locks_unlocks_revocations_links_and_refusals_are_audited(platform) -> None:
    async with gateway(platform) as (at, _):
        office, attacker = at(OFFICE), at(ATTACKER)
        assert (await login(office, "clerk", "clerk-demo")).status_code == 200
        for i in range(6):  # five free failures, the sixth locks the pair
            await login(attacker, "clerk", f"guess-{i}")
        assert (await login(attacker, "clerk", "guess-locked")).status_code == 429
        admin = auth_headers(platform, "admin", subject="root")
        key = f"pair:clerk@{ATTACKER}"
        assert (await office.delete(f"/v1/auth/lockouts/{key}", headers=admin)).status_code == 204
        revoked = await office.post(
            "/v1/auth/revocations", json={"subject": "leaver", "reason": "left"}, headers=admin
        )
        assert revoked.status_code == 201, revoked.text
        clerk = auth_headers(platform, "clerk", subject="clerk")
        link = await office.post(
            "/v1/auth/links",
            json={"path": f"/v1/enrollment/persons/{PERSON}/rights-record/2020/html"},
            headers=clerk,
        )
        assert link.status_code == 200, link.text
        # Refused: a clerk at an admin route (gateway route), and at a machine-only path
        # (proxy policy); the same refusal twice in a minute is one entry.
        for _ in range(2):
            assert (await office.get("/v1/auth/lockouts", headers=clerk)).status_code == 403
        assert (await office.get("/v1/enrollment/bank/x", headers=clerk)).status_code == 403

        auditor = auth_headers(platform, "auditor", subject="aud")
        page = (await office.get("/v1/auth/audit-log?limit=500", headers=auditor)).json()
        assert set(page) == {"items", "total", "limit", "offset"}
        entries = page["items"]
        actions = [e["action"] for e in entries]
        assert actions.count("login.succeeded") == 1
        assert actions.count("login.failed") == 6  # the try refused while locked is not
        assert actions.count("login.locked") == 1
        assert {"login_unlocked", "token_revoked", "link.issued"} <= set(actions)
        denied = [e for e in entries if e["action"] == "access.denied"]
        assert sorted(e["object_id"] for e in denied) == [
            "GET /v1/auth/lockouts",
            "GET /v1/enrollment/bank/x",
        ]
        assert all(e["actor"] == "clerk" and e["request_id"] for e in denied)
        assert not any("guess" in str(e) or "clerk-demo" in str(e) for e in entries)  # no secret
        ok = next(e for e in entries if e["action"] == "login.succeeded")
        assert ok["detail"]["address"] == OFFICE and ok["detail"]["token_id"]
        assert ok["roles"] == ["clerk"]

        # Filters (actor, action, object, time) and paging, as on every service.
        only = await office.get(
            "/v1/auth/audit-log",
            params={"action": "login.failed", "actor": "clerk", "limit": 2, "offset": 1},
            headers=auditor,
        )
        assert (only.json()["total"], len(only.json()["items"])) == (6, 2)
        by_object = await office.get(
            "/v1/auth/audit-log", params={"object_id": key}, headers=auditor
        )
        assert {e["action"] for e in by_object.json()["items"]} == {
            "login.locked",
            "login_unlocked",
        }
        later = await office.get(
            "/v1/auth/audit-log", params={"since": "2999-01-01T00:00:00Z"}, headers=auditor
        )
        assert later.json()["total"] == 0
        naive = await office.get(  # an instant without a zone is UTC, as on the services
            "/v1/auth/audit-log", params={"since": "2000-01-01T00:00:00"}, headers=auditor
        )
        assert naive.json()["total"] == page["total"]
        # Downloadable, with Chinese headers.
        sheet = await office.get("/v1/auth/audit-log?format=csv", headers=auditor)
        assert sheet.status_code == 200
        rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["编号", "发生时间", "操作人"] and len(rows) == page["total"] + 1
        # Only auditors (and admins) read it; the clerk's try is itself recorded.
        assert (await office.get("/v1/auth/audit-log", headers=clerk)).status_code == 403
