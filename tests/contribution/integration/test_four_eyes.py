"""Four eyes: who may approve what. A declaration's approver is neither its creator nor its
submitter; a change to an approved base, and a receipt's reversal, are submitted, and
approved by someone else."""

import uuid
from decimal import Decimal

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import (
    declare_and_approve,
    generate,
    pay,
    register,
    scalar,
    wage_lines,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


def fresh_key() -> dict[str, str]:
    """A new Idempotency-Key: one per logical request."""
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_who_may_approve_what(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县档案馆": ("full", 2, "2019-01-01")}
    )
    unit, staff = county.units["县档案馆"], county.persons["县档案馆"]
    users = {
        "clerk-a": auth_headers(platform, "clerk", subject="clerk-a"),
        "clerk-b": auth_headers(platform, "clerk", subject="clerk-b"),
        "finance-c": auth_headers(platform, "finance", subject="finance-c"),
        "auditor-d": auth_headers(platform, "auditor", subject="auditor-d"),
        "admin-e": auth_headers(platform, "admin", subject="admin-e"),
    }

    async def post(user: str, path: str, body: dict | None = None, **headers: str):
        return await contribution.post(
            f"/v1/contribution{path}", headers={**users[user], **headers}, json=body or {}
        )

    # Declarations: (creator, submitter) -> who is refused (and why) before who approves.
    matrix = [
        (2020, "clerk-a", "clerk-a", [("clerk-a", 403, "four_eyes_required")], "clerk-b"),
        (
            2021,
            "clerk-a",
            "clerk-b",
            [
                ("clerk-a", 403, "four_eyes_required"),  # the creator
                ("clerk-b", 403, "four_eyes_required"),  # the submitter
                ("auditor-d", 403, "approver_role_required"),  # reads only
                ("admin-e", 403, "approver_role_required"),  # administers, never approves
            ],
            "finance-c",
        ),
    ]
    declarations = {}
    for year, creator, submitter, refused, approver in matrix:
        body = {"unit_id": unit["id"], "year": year, "lines": wage_lines(staff, "6000.00")}
        r = await post(creator, "/declarations", body)
        assert r.status_code == 201, r.text
        did = r.json()["id"]
        assert (await post(submitter, f"/declarations/{did}/submit")).status_code == 200
        for user, status, code in refused:
            for action in ("approve", "return"):
                r = await post(user, f"/declarations/{did}/{action}", {"note": "看过"})
                assert (r.status_code, r.json()["code"]) == (status, code), (year, user, action)
        r = await post(approver, f"/declarations/{did}/approve")
        assert (r.status_code, r.json()["decided_by"]) == (200, approver), r.text
        declarations[year] = did

    # A change to an approved base: submitted by one user, decided by another.
    did = declarations[2020]
    change = {
        "citizen_id": staff[0]["citizen_id"],
        "name": staff[0]["name"],
        "wage": "7000.00",
        "from_month": 6,
        "reason": "补报绩效工资",
    }
    r = await post("clerk-b", f"/declarations/{did}/adjustments", change, **fresh_key())
    assert r.status_code == 201 and r.json()["status"] == "submitted", r.text
    first = r.json()["id"]
    for user, status, code in [
        ("clerk-b", 403, "four_eyes_required"),
        ("auditor-d", 403, "approver_role_required"),
        ("admin-e", 403, "approver_role_required"),
    ]:
        for action in ("approve", "reject"):
            r = await post(user, f"/adjustments/{first}/{action}", {"note": "看过"})
            assert (r.status_code, r.json()["code"]) == (status, code), (user, action)
    r = await post("clerk-a", f"/adjustments/{first}/reject")
    assert (r.status_code, r.json()["code"]) == (422, "note_required")
    assert (
        await scalar(platform, "SELECT count(*) FROM contribution.base WHERE source = 'adjustment'")
        == 0
    )
    r = await post("clerk-a", f"/adjustments/{first}/approve")
    assert (r.status_code, r.json()["status"], r.json()["decided_by"]) == (
        200,
        "approved",
        "clerk-a",
    )
    r = await post("finance-c", f"/adjustments/{first}/reject", {"note": "晚了"})
    assert (r.status_code, r.json()["code"]) == (409, "adjustment_decided")

    # The maker never approves, whatever else they hold: a clerk with an admin login is one
    # person. A rejected change puts nothing in force.
    both = auth_headers(platform, "clerk", "admin", subject="clerk-b")
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/adjustments",
        headers={**both, **fresh_key()},
        json={**change, "wage": "8000.00"},
    )
    second = r.json()["id"]
    r = await contribution.post(
        f"/v1/contribution/adjustments/{second}/approve", headers=both, json={}
    )
    assert (r.status_code, r.json()["code"]) == (403, "four_eyes_required")
    r = await post("finance-c", f"/adjustments/{second}/reject", {"note": "无依据"})
    assert (r.status_code, r.json()["status"]) == (200, "rejected")
    assert (
        await scalar(platform, "SELECT count(*) FROM contribution.base WHERE source = 'adjustment'")
        == 1
    )

    # The review queue, with ids masked for finance; every decision is in the audit log.
    r = await contribution.get(
        "/v1/contribution/adjustments", headers=users["finance-c"], params={"status": "approved"}
    )
    [approved] = r.json()["items"]
    assert approved["id"] == first and "****" in approved["citizen_id"]
    actions = await scalar(
        platform,
        "SELECT string_agg(action || ':' || actor, ',' ORDER BY id) FROM contribution.audit_log "
        "WHERE object_type = 'base_adjustment'",
    )
    assert actions == (
        "adjustment.submitted:clerk-b,adjustment.approved:clerk-a,"
        "adjustment.submitted:clerk-b,adjustment.rejected:finance-c"
    )


async def test_a_receipt_is_reversed_only_with_a_second_pair_of_eyes(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment,
        contribution,
        platform,
        {"县方志办": ("self", 1, "2019-01-01"), "县气象局": ("self", 1, "2019-01-01")},
    )
    idle, paying = county.units["县方志办"], county.units["县气象局"]
    recorder = auth_headers(
        platform, "finance", subject="finance-a", **{"Idempotency-Key": "receipt-0001"}
    )
    asker = auth_headers(
        platform, "clerk", subject="clerk-b", **{"Idempotency-Key": "reversal-0001"}
    )
    approver = auth_headers(platform, "finance", subject="finance-c")
    r = await contribution.post(
        "/v1/contribution/receipts",
        headers=recorder,
        json={"unit_id": idle["id"], "amount": "500.00", "received_on": "2020-02-10"},
    )
    receipt = r.json()
    assert (r.status_code, receipt["unallocated"]) == (201, "500.00"), r.text  # no plan to pay

    for _ in range(2):  # the key makes a retry safe
        r = await contribution.post(
            f"/v1/contribution/receipts/{receipt['id']}/reversals",
            headers=asker,
            json={"reason": "错记单位"},
        )
        assert r.status_code == 201, r.text
    reversal = r.json()
    assert (reversal["status"], reversal["amount"]) == ("submitted", "500.00")
    r = await contribution.post(
        f"/v1/contribution/receipts/{receipt['id']}/reversals",
        headers={**asker, "Idempotency-Key": "reversal-0002"},
        json={"reason": "再来一次"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "reversal_exists")
    for user in ("clerk-b", "finance-a"):  # who asked, and who recorded the receipt
        r = await contribution.post(
            f"/v1/contribution/receipt-reversals/{reversal['id']}/approve",
            headers=auth_headers(platform, "finance", "clerk", subject=user),
            json={},
        )
        assert (r.status_code, r.json()["code"]) == (403, "four_eyes_required"), user
    for role in ("auditor", "admin"):  # neither is a second pair of eyes
        r = await contribution.post(
            f"/v1/contribution/receipt-reversals/{reversal['id']}/approve",
            headers=auth_headers(platform, role),
            json={},
        )
        assert (r.status_code, r.json()["code"]) == (403, "approver_role_required"), role
    assert await scalar(
        platform, f"SELECT unallocated FROM contribution.receipt WHERE id = '{receipt['id']}'"
    ) == Decimal("500.00")
    r = await contribution.post(
        f"/v1/contribution/receipt-reversals/{reversal['id']}/approve", headers=approver, json={}
    )
    assert (r.status_code, r.json()["status"], r.json()["decided_by"]) == (
        200,
        "approved",
        "finance-c",
    )
    r = await contribution.get(
        "/v1/contribution/receipts", headers=approver, params={"unit_id": idle["id"]}
    )
    [shown] = r.json()["items"]
    assert (shown["reversed"], shown["unallocated"]) == (True, "0.00")
    r = await contribution.get(
        f"/v1/contribution/units/{idle['id']}/statement/2020", headers=approver
    )
    assert (r.json()["received"], r.json()["credit"]) == ("0.00", "0.00")

    # Money that has paid a plan is not reversed here (that would take back account credits).
    await declare_and_approve(
        contribution, platform, paying, 2020, wage_lines(county.persons["县气象局"], "6000.00")
    )
    await generate(contribution, platform, "2020-01")
    paid = await pay(contribution, platform, paying, "100.00", "2020-01-10", "payment-0001")
    assert paid["unallocated"] == "0.00"
    r = await contribution.post(
        f"/v1/contribution/receipts/{paid['id']}/reversals",
        headers={**asker, "Idempotency-Key": "reversal-0003"},
        json={"reason": "错记"},
    )
    assert (r.status_code, r.json()["code"]) == (409, "receipt_allocated")
