"""Policy parameters: dated versions submitted by admins, in force once a finance user
approves them; calculations keep the versions they used."""

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import declare_and_approve, register, wage_lines

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_new_versions_apply_from_their_date_and_old_figures_keep_theirs(
    platform, start_apps
) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment,
        contribution,
        platform,
        {"县科技局": ("full", 1, "2019-01-01"), "县气象局": ("full", 1, "2019-01-01")},
    )
    first, second = county.units["县科技局"], county.units["县气象局"]
    admin, clerk = auth_headers(platform, "admin"), auth_headers(platform, "clerk")
    before = await declare_and_approve(
        contribution, platform, first, 2021, wage_lines(county.persons["县科技局"], "5000.00")
    )
    assert before["average_wage"] == "6298.00"

    correction = {"name": "average_monthly_wage", "effective_from": "2021-01-01", "value": "6400"}
    r = await contribution.post("/v1/contribution/parameters", headers=clerk, json=correction)
    assert r.status_code == 403
    bad = {**correction, "value": "6400000000"}
    r = await contribution.post("/v1/contribution/parameters", headers=admin, json=bad)
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    r = await contribution.post(
        "/v1/contribution/parameters", headers=admin, json={**correction, "name": "rate.unknown"}
    )
    assert r.status_code == 422
    r = await contribution.post("/v1/contribution/parameters", headers=admin, json=correction)
    assert (r.status_code, r.json()["recorded_by"], r.json()["status"]) == (
        201,
        "test-admin",
        "submitted",
    )
    submitted = r.json()["id"]

    # Not in force until a second person with a business role for policy approves it.
    limits = await contribution.get(
        "/v1/contribution/parameters", headers=clerk, params={"name": "average_monthly_wage"}
    )
    assert [v["status"] for v in limits.json()["items"] if v["id"] == submitted] == ["submitted"]
    for user, code in [
        (admin, "approver_role_required"),  # admin records policy, never approves it
        (auth_headers(platform, "clerk", subject="clerk-p"), "approver_role_required"),
        (auth_headers(platform, "admin", "finance", subject="test-admin"), "four_eyes_required"),
    ]:
        r = await contribution.post(
            f"/v1/contribution/parameters/{submitted}/approve", headers=user, json={}
        )
        assert (r.status_code, r.json()["code"]) == (403, code)
    finance = auth_headers(platform, "finance", subject="finance-p")
    r = await contribution.post(
        f"/v1/contribution/parameters/{submitted}/reject", headers=finance, json={}
    )
    assert (r.status_code, r.json()["code"]) == (422, "note_required")
    r = await contribution.post(
        f"/v1/contribution/parameters/{submitted}/approve",
        headers=finance,
        json={"note": "统计公报"},
    )
    assert (r.status_code, r.json()["status"], r.json()["decided_by"]) == (
        200,
        "approved",
        "finance-p",
    )
    r = await contribution.post(
        f"/v1/contribution/parameters/{submitted}/reject", headers=finance, json={"note": "x"}
    )
    assert (r.status_code, r.json()["code"]) == (409, "parameter_decided")

    after = await declare_and_approve(
        contribution, platform, second, 2021, wage_lines(county.persons["县气象局"], "5000.00")
    )
    assert (after["average_wage"], after["floor"]) == ("6400.00", "3840.00")
    assert submitted in after["parameter_ids"]
    # The first declaration keeps the version it was made with.
    kept = await contribution.get(f"/v1/contribution/declarations/{before['id']}", headers=clerk)
    assert kept.json()["average_wage"] == "6298.00"
    versions = await contribution.get(
        "/v1/contribution/parameters",
        headers=auth_headers(platform, "auditor"),
        params={"name": "rate.basic_unit"},
    )
    assert [(v["effective_from"], v["value"]) for v in versions.json()["items"]] == [
        ("2014-10-01", "0.2"),
        ("2019-05-01", "0.16"),
    ]
