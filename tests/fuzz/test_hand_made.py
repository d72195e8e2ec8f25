"""The bad inputs issue #13 found by hand: each is a 4xx problem naming what is wrong, not a 5xx."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from deploy.local.demo import demo_credit_code
from services.budget.main import create_app as create_budget
from services.contribution.main import create_app as create_contribution
from services.enrollment.main import create_app as create_enrollment
from services.payout.main import create_app as create_payout
from shared.http.auth import ALL_ROLES
from shared.http.errors import PROBLEM_JSON
from shared.settings import PlatformSettings
from tests.conftest import auth_headers

BIG = "9223372036854775808"  # one past PostgreSQL's bigint
HUGE = "99999999999999999999"
NOBODY = str(uuid.uuid4())
# (method, path, JSON body or None, the status expected)
Probe = tuple[str, str, Any, int]


async def _refused(client: httpx.AsyncClient, headers: dict[str, str], probes: list[Probe]) -> list:
    """The probes whose answer is not the expected problem+json."""
    wrong = []
    for method, path, body, status in probes:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        r = await client.request(method, path, json=body, headers=headers | key)
        media = r.headers.get("content-type", "").split(";")[0]
        if (r.status_code, media) != (status, PROBLEM_JSON):
            wrong.append(f"{method} {path} {body}: {r.status_code} {r.text[:200]}")
    return wrong


def _everyone(platform: PlatformSettings) -> dict[str, str]:
    return auth_headers(platform, *sorted(ALL_ROLES), subject="hand-made")


async def test_enrollment_refuses_what_the_database_cannot_hold(
    platform: PlatformSettings, start_apps: Callable[..., Any]
) -> None:
    """Offsets and years beyond integers, out-of-range instants, nulls and NULs."""
    [client] = await start_apps(create_enrollment(platform))
    headers = _everyone(platform)
    unit = await client.post(
        "/v1/enrollment/units",
        json={"credit_code": demo_credit_code(7), "name": "县教育局", "funding_type": "full"},
        headers=headers | {"Idempotency-Key": "hand-made-unit"},
    )
    assert unit.status_code == 201, unit.text
    unit_path = f"/v1/enrollment/units/{unit.json()['id']}"
    probes: list[Probe] = [
        ("GET", f"/v1/enrollment/units?offset={HUGE}", None, 422),
        ("GET", f"/v1/enrollment/units?offset={BIG}", None, 422),
        ("GET", f"/v1/enrollment/persons/{NOBODY}/accounts/basic/postings?offset={BIG}", None, 422),
        ("GET", "/v1/enrollment/parameters/interest-rates?year=2147483648", None, 422),
        ("GET", "/v1/enrollment/statistics/0", None, 422),
        ("GET", f"/v1/enrollment/statistics/{HUGE}", None, 422),
        ("PUT", f"/v1/enrollment/parameters/coverage-targets/{HUGE}", {"target": 1}, 422),
        ("PATCH", unit_path, {"funding_type": None, "reason": "更正"}, 422),
        ("PATCH", unit_path, {"name": None, "reason": "更正"}, 422),
        (
            "POST",
            "/v1/enrollment/parameters/interest-rates",
            {"year": 2020, "account_kind": "basic", "rate": "1E+400"},
            422,
        ),
        ("GET", "/v1/enrollment/audit-log?until=9999-12-31T23:59:59-14:00", None, 422),
        ("GET", "/v1/enrollment/audit-log?since=0001-01-01T00:00:00%2B14:00", None, 422),
        ("POST", f"/v1/enrollment/admin/dead-letters/{BIG}/replay", None, 422),
        ("GET", "/v1/enrollment/units?name=a%00b", None, 422),
        ("GET", "/v1/enrollment/persons?citizen_id=%00", None, 422),
        ("GET", "/v1/enrollment/audit-log?actor=%00", None, 422),
        ("PATCH", unit_path, {"name": "a\u0000b", "reason": "更正"}, 422),
    ]
    wrong = await _refused(client, headers, probes)
    assert not wrong, "\n".join(wrong)
    after = await client.get(unit_path, headers=headers)
    assert after.json()["funding_type"] == "full"  # the refused PATCHes changed nothing


async def test_contribution_refuses_what_the_database_cannot_hold(
    platform: PlatformSettings, start_apps: Callable[..., Any]
) -> None:
    """Year 0 reports, months of year 0, amounts like 1E+400, ids beyond bigint."""
    [client] = await start_apps(create_contribution(platform))
    receipt = {"unit_id": NOBODY, "received_on": "2020-03-01"}
    probes: list[Probe] = [
        ("GET", "/v1/contribution/reports/0/units", None, 422),
        ("GET", f"/v1/contribution/reports/{BIG}", None, 422),
        ("GET", f"/v1/contribution/units/{NOBODY}/statement/{HUGE}", None, 422),
        ("GET", f"/v1/contribution/roster/units/{NOBODY}/liable?period=0000-01", None, 422),
        ("GET", "/v1/contribution/plans?period=0000-01", None, 422),
        ("GET", "/v1/contribution/declarations?year=0", None, 422),
        ("GET", f"/v1/contribution/receipts?offset={BIG}", None, 422),
        ("POST", "/v1/contribution/receipts", receipt | {"amount": "1E+400"}, 422),
        ("POST", "/v1/contribution/receipts", receipt | {"amount": "NaN"}, 422),
        ("POST", f"/v1/contribution/admin/dead-letters/{BIG}/replay", None, 422),
        ("GET", f"/v1/contribution/admin/dead-letters?offset={BIG}", None, 422),
    ]
    wrong = await _refused(client, _everyone(platform), probes)
    assert not wrong, "\n".join(wrong)


async def test_budget_refuses_what_the_database_cannot_hold(
    platform: PlatformSettings, start_apps: Callable[..., Any]
) -> None:
    """Years beyond integers in paths and queries, a NUL in a filter."""
    [client] = await start_apps(create_budget(platform))
    probes: list[Probe] = [
        ("GET", f"/v1/budget/departments/x/years/{HUGE}", None, 422),
        ("GET", "/v1/budget/departments/x/years/0/report", None, 422),
        ("GET", f"/v1/budget/rollup?county=x&year={BIG}", None, 422),
        ("GET", f"/v1/budget/audit-log?offset={BIG}", None, 422),
        ("GET", "/v1/budget/rollup?county=%00&year=2020", None, 422),
    ]
    wrong = await _refused(client, _everyone(platform), probes)
    assert not wrong, "\n".join(wrong)


async def test_payout_refuses_what_the_database_cannot_hold(
    platform: PlatformSettings, start_apps: Callable[..., Any]
) -> None:
    """Year 0 in months and ledgers, offsets and counts beyond integers."""
    [client] = await start_apps(create_payout(platform))
    probes: list[Probe] = [
        ("GET", "/v1/payout/payroll-runs?period=0000-01", None, 422),
        ("GET", "/v1/payout/batches?period=0000-01", None, 422),
        ("GET", "/v1/payout/ledger/0", None, 422),
        ("GET", f"/v1/payout/ledger/{HUGE}/xlsx", None, 422),
        ("GET", f"/v1/payout/payroll-runs?offset={BIG}", None, 422),
        ("GET", f"/v1/payout/determinations?offset={BIG}", None, 422),
    ]
    wrong = await _refused(client, _everyone(platform), probes)
    assert not wrong, "\n".join(wrong)
