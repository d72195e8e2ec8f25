"""Issue #20 item 3: the average wage the province publishes into contribution. A version in
force at once (the province's publication is the authority), refused on its own when bad,
idempotent by message id; declarations made from then on bound bases by it, those made
before keep theirs."""

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import declare_and_approve, register, wage_lines
from tests.enrollment.helpers import scalar

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/v1/contribution/sync/parameters"


async def test_a_published_average_wage_bounds_the_declarations_made_after_it(
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
    before = await declare_and_approve(
        contribution, platform, first, 2021, wage_lines(county.persons["县科技局"], "5000.00")
    )
    assert before["average_wage"] == "6298.00"

    province = auth_headers(platform, "province", subject="prov")
    wage = {
        "message_id": "P-2021-AW",
        "name": "average_wage",
        "effective_from": "2021-01-01",
        "value": "6400.00",
        "note": "2020年全省在岗职工月平均工资",
    }
    r = await contribution.post(
        URL, headers=auth_headers(platform, "admin"), json={"items": [wage]}
    )
    assert r.status_code == 403, r.text
    items = [
        wage,
        {**wage, "message_id": "P-BAD-1", "name": "benefit_wage_base"},  # payout's
        {**wage, "message_id": "P-BAD-2", "value": "6400000000"},  # above the range
        {**wage, "message_id": "P-BAD-3", "value": "12"},  # below it
        {**wage, "message_id": "P-BAD-4", "effective_from": "1970-01-01"},
        {"message_id": "P-BAD-5", "name": "average_wage"},  # no date, no value
    ]
    r = await contribution.post(URL, headers=province, json={"items": items})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["applied"], out["refused"]) == (1, 5), out
    assert (out["items"][0]["result"], out["items"][0]["detail"]) == ("applied", "in_force")
    version = int(out["items"][0]["record_id"])
    problems = {i["message_id"]: i["problem"] for i in out["items"][1:]}
    assert {m: (p["status"], p["code"]) for m, p in problems.items()} == {
        "P-BAD-1": (422, "validation_failed"),
        "P-BAD-2": (422, "validation_failed"),
        "P-BAD-3": (422, "validation_failed"),
        "P-BAD-4": (422, "date_implausible"),
        "P-BAD-5": (422, "validation_failed"),
    }
    assert [e["field"] for e in problems["P-BAD-1"]["errors"]] == ["items.1.name"]
    assert [e["field"] for e in problems["P-BAD-3"]["errors"]] == ["items.3.value"]
    assert {e["field"] for e in problems["P-BAD-5"]["errors"]} == {
        "items.5.effective_from",
        "items.5.value",
    }

    versions = await contribution.get(
        "/v1/contribution/parameters",
        headers=auth_headers(platform, "auditor"),
        params={"name": "average_monthly_wage"},
    )
    [mine] = [v for v in versions.json()["items"] if v["id"] == version]
    assert (mine["status"], mine["recorded_by"], mine["value"]) == ("approved", "prov", "6400")
    assert mine["decision_note"] == "省级平台发布 (报文 P-2021-AW)"
    audited = await scalar(
        platform,
        "SELECT detail->>'message_id' FROM contribution.audit_log "
        f"WHERE action = 'parameter.published' AND object_id = '{version}'",
    )
    assert audited == "P-2021-AW"

    # Replayed, reused with other content, republished under a new id.
    again = [wage, {**wage, "value": "6500.00"}, {**wage, "message_id": "P-2021-AW-2"}]
    r = await contribution.post(URL, headers=province, json={"items": again})
    assert [(i["result"], i["record_id"]) for i in r.json()["items"]] == [
        ("duplicate", str(version)),
        ("refused", None),
        ("applied", str(version)),
    ]
    assert r.json()["items"][1]["problem"]["code"] == "message_id_reused"
    assert r.json()["items"][2]["detail"] == "unchanged"

    after = await declare_and_approve(
        contribution, platform, second, 2021, wage_lines(county.persons["县气象局"], "5000.00")
    )
    assert (after["average_wage"], after["floor"]) == ("6400.00", "3840.00")
    assert version in after["parameter_ids"]
    kept = await contribution.get(
        f"/v1/contribution/declarations/{before['id']}", headers=auth_headers(platform, "clerk")
    )
    assert kept.json()["average_wage"] == "6298.00"
