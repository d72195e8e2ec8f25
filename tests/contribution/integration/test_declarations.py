"""Base declarations: clamping, upload report, four-eyes review, adjustments, refusals."""

import io

import pytest
from openpyxl import Workbook

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers
from tests.contribution.helpers import (
    citizen_id,
    declare_and_approve,
    generate,
    plans,
    register,
    scalar,
)
from tests.job_wait import imported
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_declaration_review_and_clamping(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县教育局": ("full", 3, "2019-01-01")}
    )
    unit, staff = county.units["县教育局"], county.persons["县教育局"]
    clerk_a = auth_headers(platform, "clerk", subject="clerk-a")
    clerk_b = auth_headers(platform, "clerk", subject="clerk-b")

    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk_a,
        json={
            "unit_id": unit["id"],
            "year": 2020,
            "lines": [
                {"citizen_id": staff[0]["citizen_id"], "name": "低", "wage": "2000.00"},
                {"citizen_id": staff[1]["citizen_id"], "name": "高", "wage": "30000.00"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    declaration = r.json()
    # 2019 average wage 5946.00: floor 60% = 3567.60, cap 300% = 17838.00
    assert (declaration["floor"], declaration["cap"]) == ("3567.60", "17838.00")
    assert declaration["unit_base"] == "21405.60"
    assert (declaration["raised_to_floor"], declaration["lowered_to_cap"]) == (1, 1)
    did = declaration["id"]

    # Upload: valid rows go in, each bad row is reported; uploading again changes nothing.
    content = xlsx(
        [
            ["身份证号", "姓名", "上年月平均工资"],
            [staff[2]["citizen_id"], staff[2]["name"], 6500],
            ["330522198003150000", "坏号", 5000],
            [citizen_id(seq="901"), "负数", -5],
            [citizen_id(seq="903"), "荒谬", 5_000_000],
        ]
    )
    for taken in (("accepted", 1), ("unchanged", 1)):
        r = await contribution.post(
            f"/v1/contribution/declarations/{did}/upload",
            headers=clerk_a,
            files={"file": ("bases.xlsx", content)},
        )
        r = await imported(contribution, r, clerk_a)
        assert r.status_code == 200, r.text
        report = r.json()
        assert report[taken[0]] == taken[1]
        refused = [row for row in report["rows"] if row["status"] == "failed"]
        assert [row["row"] for row in refused] == [3, 4, 5]
    r = await contribution.get(f"/v1/contribution/declarations/{did}", headers=clerk_a)
    assert r.json()["person_count"] == 3
    # The id ends in 000 and fails its check: what Excel does to an id kept as a number.
    assert [row["errors"][0]["code"] for row in refused] == [
        "import_citizen_id_numeric",
        "import_wage_not_positive",
        "import_wage_above_ceiling",
    ]

    # Submit; the submitter cannot approve; a return needs a note; resubmit; approve.
    assert (
        await contribution.post(f"/v1/contribution/declarations/{did}/submit", headers=clerk_a)
    ).status_code == 200
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/approve", headers=clerk_a, json={}
    )
    assert r.status_code == 403 and r.json()["code"] == "four_eyes_required"
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/return", headers=clerk_b, json={}
    )
    assert r.status_code == 422 and r.json()["code"] == "note_required"
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/return", headers=clerk_b, json={"note": "工资表缺页"}
    )
    assert r.json()["status"] == "returned"
    r = await contribution.put(
        f"/v1/contribution/declarations/{did}/lines",
        headers=clerk_a,
        json={"lines": [{"citizen_id": staff[0]["citizen_id"], "name": "低", "wage": "4000.00"}]},
    )
    assert r.json()["raised_to_floor"] == 0
    # The audit entry says what the correction changed in the declaration's sums.
    log = await contribution.get(
        "/v1/contribution/audit-log",
        params={"action": "declaration.lines_changed", "object_id": did},
        headers=auth_headers(platform, "auditor"),
    )
    changes = log.json()["items"][0]["detail"]["changes"]
    assert changes["raised"] == {"before": 1, "after": 0}
    assert set(changes) <= {"persons", "unit_base", "raised", "lowered"}
    await contribution.post(f"/v1/contribution/declarations/{did}/submit", headers=clerk_a)
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/approve", headers=clerk_b, json={}
    )
    approved = r.json()
    assert approved["status"] == "approved" and approved["decided_by"] == "clerk-b"
    assert [e["action"] for e in approved["log"]] == [
        "created",
        "uploaded",
        "uploaded",
        "submitted",
        "returned",
        "lines_changed",
        "submitted",
        "approved",
    ]
    # Approved lines cannot be edited; changes are adjustments.
    r = await contribution.put(
        f"/v1/contribution/declarations/{did}/lines",
        headers=clerk_a,
        json={"lines": [{"citizen_id": staff[0]["citizen_id"], "name": "低", "wage": "9000.00"}]},
    )
    assert r.status_code == 409 and r.json()["code"] == "declaration_status_conflict"

    # A raised base from March after January and February are planned: supplementary plans.
    await generate(contribution, platform, "2020-01")
    await generate(contribution, platform, "2020-02")
    raise_base = {
        "citizen_id": staff[0]["citizen_id"],
        "name": "低",
        "wage": "5000.00",
        "from_month": 1,
        "reason": "补报绩效工资",
    }
    keyed = {**clerk_b, "Idempotency-Key": "adjust-low-0001"}
    for _ in range(2):  # a retry is answered from the first recording
        r = await contribution.post(
            f"/v1/contribution/declarations/{did}/adjustments", headers=keyed, json=raise_base
        )
        assert r.status_code == 201, r.text
    change = r.json()
    assert (change["status"], change["base"], change["submitted_by"]) == (
        "submitted",
        "5000.00",
        "clerk-b",
    )
    # Nothing is owed on a change no second user has approved.
    assert (await generate(contribution, platform, "2020-01"))["supplementary_plans"] == 0
    r = await contribution.post(
        f"/v1/contribution/adjustments/{change['id']}/approve", headers=clerk_a, json={}
    )
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    r = await contribution.get(f"/v1/contribution/declarations/{did}", headers=clerk_a)
    assert [(a["base"], a["status"]) for a in r.json()["adjustments"]] == [("5000.00", "approved")]
    assert [e["action"] for e in r.json()["log"]][-2:] == [
        "adjustment_submitted",
        "adjustment_approved",
    ]
    supplement = await generate(contribution, platform, "2020-01")
    assert supplement["supplementary_plans"] == 1 and supplement["person_months"] == 1
    # (5000 - 4000) x (16% + 8% + 4%) cash; the notional 8% is recorded, not collected
    assert supplement["total_due"] == "280.00"
    assert (await generate(contribution, platform, "2020-01"))["supplementary_plans"] == 0
    january = [p for p in await plans(contribution, platform, unit) if p["period"] == "2020-01"]
    assert [(p["kind"], p["seq"]) for p in january] == [("regular", 0), ("supplementary", 1)]
    # Lowering a base for months already planned would need a refund: refused.
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/adjustments",
        headers=clerk_b,
        json={
            "citizen_id": staff[1]["citizen_id"],
            "name": "高",
            "wage": "5000.00",
            "from_month": 2,
            "reason": "更正",
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "adjustment_lowers_planned_month"


async def test_refusals_change_nothing(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment,
        contribution,
        platform,
        {"县档案馆": ("full", 1, "2019-01-01"), "县招待所": ("self", 0, "2019-01-01")},
    )
    archive, hostel = county.units["县档案馆"], county.units["县招待所"]
    clerk = auth_headers(platform, "clerk")
    person = county.persons["县档案馆"][0]
    line = {"citizen_id": person["citizen_id"], "name": "甲", "wage": "6000.00"}
    before = await scalar(platform, "SELECT count(*) FROM contribution.declaration")

    cases = [
        ({"unit_id": archive["id"], "year": 2020, "lines": [{**line, "wage": "-1.00"}]}, 422),
        ({"unit_id": archive["id"], "year": 2020, "lines": [{**line, "wage": 6000.5}]}, 422),
        ({"unit_id": archive["id"], "year": 2020, "lines": [{**line, "wage": "2000000.00"}]}, 422),
        ({"unit_id": archive["id"], "year": 2020, "lines": [line, line]}, 422),
        (
            {
                "unit_id": archive["id"],
                "year": 2020,
                "lines": [{**line, "citizen_id": "330522198003150000"}],
            },
            422,
        ),
        ({"unit_id": "00000000-0000-0000-0000-000000000001", "year": 2020, "lines": [line]}, 404),
        ({"unit_id": archive["id"], "year": 2010, "lines": [line]}, 422),
    ]
    for body, status in cases:
        r = await contribution.post("/v1/contribution/declarations", headers=clerk, json=body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    assert await scalar(platform, "SELECT count(*) FROM contribution.declaration") == before

    # A closed unit cannot declare.
    r = await enrollment.post(
        f"/v1/enrollment/units/{hostel['id']}/close",
        headers=clerk,
        json={"closed_on": agency_today().isoformat(), "reason": "撤销"},
    )

    async def closed_in_roster() -> bool:
        return (
            await scalar(
                platform,
                "SELECT count(*) FROM contribution.roster_unit "
                f"WHERE id = '{hostel['id']}' AND status = 'closed'",
            )
            == 1
        )

    assert r.status_code == 200, r.text
    await eventually(closed_in_roster)
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": hostel["id"], "year": 2020, "lines": []},
    )
    assert r.status_code == 409 and r.json()["code"] == "unit_closed"

    # A second declaration for the same year names the first.
    first = await declare_and_approve(contribution, platform, archive, 2020, [line])
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": archive["id"], "year": 2020},
    )
    assert r.status_code == 409 and r.json()["declaration_id"] == first["id"]
    # Submitting an empty draft is refused.
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": archive["id"], "year": 2021},
    )
    r = await contribution.post(
        f"/v1/contribution/declarations/{r.json()['id']}/submit", headers=clerk
    )
    assert r.status_code == 422 and r.json()["code"] == "declaration_empty"
    # Units with liable staff and no submitted declaration are listed against the deadline.
    r = await contribution.get(
        "/v1/contribution/declarations/missing", params={"year": 2021}, headers=clerk
    )
    missing = r.json()
    assert missing["deadline"] == "2021-03-31" and missing["overdue"] is True
    assert [u["unit_id"] for u in missing["units"]] == [archive["id"]]
    assert missing["units"][0]["status"] == "draft"
