"""Liability follows enrollment's status changes; bad receipts are refused and change nothing."""

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import register, scalar
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_liability_follows_status_changes(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县审计局": ("full", 2, "2019-03-20")}
    )
    unit = county.units["县审计局"]
    leaver, stayer = county.persons["县审计局"]
    r = await enrollment.post(
        f"/v1/enrollment/persons/{leaver['id']}/status-changes",
        headers=auth_headers(platform, "clerk"),
        json={"change_type": "suspension", "effective_on": "2020-06-01", "reason": "停薪留职"},
    )
    assert r.status_code == 201, r.text
    clerk = auth_headers(platform, "clerk")

    async def suspended() -> bool:
        r = await contribution.get(f"/v1/contribution/roster/persons/{leaver['id']}", headers=clerk)
        return r.json()["status"] == "suspended"

    await eventually(suspended)
    r = await contribution.get(f"/v1/contribution/roster/persons/{leaver['id']}", headers=clerk)
    assert r.json()["liability"] == [
        {"unit_id": unit["id"], "start_on": "2019-03-20", "end_on": "2020-06-01"}
    ]

    async def liable(period: str) -> set[str]:
        r = await contribution.get(
            f"/v1/contribution/roster/units/{unit['id']}/liable",
            headers=clerk,
            params={"period": period},
        )
        assert r.status_code == 200, r.text
        return {p["id"] for p in r.json()["items"]}

    assert await liable("2019-03") == {leaver["id"], stayer["id"]}  # joined on the 20th
    assert await liable("2020-05") == {leaver["id"], stayer["id"]}
    assert await liable("2020-06") == {stayer["id"]}
    assert await liable("2019-02") == set()


async def test_bad_receipts_are_refused_and_write_nothing(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县民政局": ("full", 1, "2019-01-01")}
    )
    unit = county.units["县民政局"]
    finance = auth_headers(platform, "finance")
    good = {"unit_id": unit["id"], "amount": "100.00", "received_on": "2020-01-10"}
    cases = [
        ({**good, "unit_id": "00000000-0000-0000-0000-000000000009"}, 404, "unit_not_found"),
        ({**good, "amount": "-100.00"}, 422, "validation_failed"),
        ({**good, "amount": "0.00"}, 422, "validation_failed"),
        ({**good, "amount": 100.5}, 422, "validation_failed"),
        ({**good, "amount": "100.001"}, 422, "validation_failed"),
        ({**good, "amount": "1e3"}, 422, "validation_failed"),
        ({**good, "amount": " 100.00 "}, 422, "validation_failed"),
        ({**good, "amount": "+100.00"}, 422, "validation_failed"),
        ({**good, "amount": 100}, 422, "validation_failed"),
        ({**good, "amount": "1E+400"}, 422, "validation_failed"),
        ({**good, "received_on": "2999-01-01"}, 422, "date_in_future"),
        ({**good, "received_on": "0001-01-01"}, 422, "date_implausible"),
        ({**good, "received_on": "2014-09-30"}, 422, "date_implausible"),
    ]
    for body, status, code in cases:
        r = await contribution.post("/v1/contribution/receipts", headers=finance, json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    r = await contribution.post(
        "/v1/contribution/receipts", headers=auth_headers(platform, "auditor"), json=good
    )
    assert r.status_code == 403
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 0
    keyed = auth_headers(platform, "finance", **{"Idempotency-Key": "receipt-key-1"})
    assert (
        await contribution.post("/v1/contribution/receipts", headers=keyed, json=good)
    ).status_code == 201
    r = await contribution.post(
        "/v1/contribution/receipts", headers=keyed, json={**good, "amount": "200.00"}
    )
    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_reused")
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 1
