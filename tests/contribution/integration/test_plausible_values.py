"""Questionable values are refused with a 4xx naming the field, and change nothing."""

import pytest

from services.contribution.main import create_app as contribution_app
from tests.conftest import auth_headers
from tests.contribution.helpers import scalar

pytestmark = pytest.mark.asyncio(loop_scope="session")

UNKNOWN_UNIT = "00000000-0000-0000-0000-000000000009"


async def test_implausible_periods_years_and_dates_are_refused(platform, start_apps) -> None:
    [contribution] = await start_apps(contribution_app(platform))
    clerk = auth_headers(platform, "clerk")
    cases = [
        ("/v1/contribution/plans/generate", {"period": "9999-12"}, "period_implausible"),
        ("/v1/contribution/plans/generate", {"period": "2014-09"}, "period_implausible"),
        ("/v1/contribution/plans/generate", {"period": "0001-01"}, "period_implausible"),
        (
            "/v1/contribution/declarations",
            {"unit_id": UNKNOWN_UNIT, "year": 2099, "lines": []},
            "year_implausible",
        ),
        ("/v1/contribution/audits", {"unit_id": UNKNOWN_UNIT, "year": 2099}, "year_implausible"),
        (
            "/v1/contribution/audits",
            {"unit_id": UNKNOWN_UNIT, "year": 2020, "as_of": "0001-01-01"},
            "date_implausible",
        ),
        (
            "/v1/contribution/audits/yearly-run",
            {"year": 2020, "as_of": "9999-12-31"},
            "date_implausible",
        ),
    ]
    for path, body, code in cases:
        r = await contribution.post(path, headers=clerk, json=body)
        assert (r.status_code, r.json()["code"]) == (422, code), (path, body, r.text)
        assert r.json()["field"] in {"period", "year", "as_of"}
    admin = auth_headers(platform, "admin")
    r = await contribution.post(
        "/v1/contribution/parameters",
        headers=admin,
        json={"name": "plan.due_day", "effective_from": "0001-01-01", "value": "15"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "date_implausible"), r.text
    for table in ("plan", "declaration", "audit"):
        assert await scalar(platform, f"SELECT count(*) FROM contribution.{table}") == 0
    assert await scalar(platform, "SELECT count(*) FROM contribution.audit_log") == 0


async def test_numbers_beyond_what_the_database_holds_are_refused(platform, start_apps) -> None:
    [contribution] = await start_apps(contribution_app(platform))
    auditor = auth_headers(platform, "auditor")
    huge = str(2**63)
    for path, params in [
        ("/v1/contribution/reports/0/units", {}),
        (f"/v1/contribution/reports/{huge}/units", {}),
        ("/v1/contribution/declarations", {"year": huge}),
        ("/v1/contribution/audits", {"year": "0"}),
        ("/v1/contribution/plans", {"offset": huge}),
        ("/v1/contribution/receipts", {"offset": huge}),
        ("/v1/contribution/adjustments", {"offset": huge}),
    ]:
        r = await contribution.get(path, headers=auditor, params=params)
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), (path, r.text)
