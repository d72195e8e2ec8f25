"""Every mutating route of every service, called by a caller no role admits, is refused (403)
and the refusal is in that service's audit log, with the caller and the route (issue #21).

The success side (every mutating route reaches the audit writer) is the static walk in
tests/architecture/test_audit_walk.py.
"""

import re
from typing import Any

import pytest

from services.budget.main import create_app as create_budget
from services.contribution.main import create_app as create_contribution
from services.enrollment.main import create_app as create_enrollment
from services.payout.main import create_app as create_payout
from tests.conftest import auth_headers

pytestmark = pytest.mark.asyncio(loop_scope="session")
MUTATING = ("post", "put", "patch", "delete")
PARAMETER = re.compile(r"\{([^}]+)\}")
# A value of each path parameter's shape: the route must match; the refusal comes first.
SAMPLE = {"uuid": "00000000-0000-4000-8000-000000000001", "integer": "1", "string": "x"}


def _filled(path: str, parameters: list[dict[str, Any]]) -> str:
    kinds = {
        p["name"]: (p.get("schema", {}).get("format") or p.get("schema", {}).get("type"))
        for p in parameters
        if p.get("in") == "path"
    }
    return PARAMETER.sub(lambda m: SAMPLE.get(kinds.get(m[1]) or "string", "1"), path)


async def test_every_refused_mutating_call_is_in_the_audit_log(platform, start_apps) -> None:
    apps = [create(platform) for create in (create_enrollment, create_contribution)]
    apps += [create(platform) for create in (create_payout, create_budget)]
    clients = await start_apps(*apps)  # one database for the four: one clone, not four
    nobody = auth_headers(platform, subject="nobody")  # a valid token holding no role
    auditor = auth_headers(platform, "auditor")
    for app, client in zip(apps, clients, strict=True):
        name = app.state.schema
        spec = (await client.get(f"/v1/{name}/openapi.json")).json()
        called: set[str] = set()
        for path, item in spec["paths"].items():
            for method in MUTATING:
                if method not in item:
                    continue
                parameters = item[method].get("parameters", []) + item.get("parameters", [])
                r = await client.request(
                    method.upper(), _filled(path, parameters), json={}, headers=nobody
                )
                assert r.status_code == 403, f"{method.upper()} {path}: {r.status_code} {r.text}"
                called.add(f"{method.upper()} {path}")
        assert len(called) >= 4, name  # budget has the fewest
        log = await client.get(
            f"/v1/{name}/audit-log",
            params={"action": "access.denied", "actor": "nobody", "limit": 500},
            headers=auditor,
        )
        entries = log.json()["items"]
        assert {e["object_id"] for e in entries} == called, name
        assert all(e["object_type"] == "route" and e["detail"]["status"] == 403 for e in entries)
        assert all(e["request_id"] for e in entries)
