"""The four-eyes matrix of contribution: every route that decides a change to what a unit owes
or to the money it has paid (bases, reversals, and the policy versions every figure is
computed with: a late fee of 0 forgives every late fee; a bank credit of an unknown payer
matched to a unit), and who may take it.

For each route: every maker of the change is refused (403 four_eyes_required, even holding
other roles), an admin is refused (403 approver_role_required: admin administers, it never
approves business), an auditor is refused, and a second clerk or finance user decides (a
policy version: finance only). A refusal changes nothing: the change is still waiting when
the second person decides.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import declare_and_approve, register, scalar, wage_lines
from tests.support.contribution_banks import BANK, signed

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass(frozen=True)
class Pending:
    """A change waiting for a decision: the route that decides it and who made it."""

    path: str
    makers: tuple[str, ...]
    status_sql: str  # reads the change's status straight from the database
    other_roles: tuple[str, ...] = ()  # business roles that do not decide this act


Maker = Callable[..., Awaitable[Pending]]


def _user(platform, subject: str, *roles: str) -> dict[str, str]:
    return auth_headers(platform, *(roles or (subject.split("-")[0],)), subject=subject)


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def _declaration(contribution, platform, county, action: str) -> Pending:
    """A declaration created by clerk-a and submitted by clerk-b."""
    unit, staff = county.units["县档案馆"], county.persons["县档案馆"]
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=_user(platform, "clerk-a"),
        json={"unit_id": unit["id"], "year": 2020, "lines": wage_lines(staff, "6000.00")},
    )
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/submit", headers=_user(platform, "clerk-b")
    )
    assert r.status_code == 200, r.text
    return Pending(
        f"/v1/contribution/declarations/{did}/{action}",
        ("clerk-a", "clerk-b"),
        f"SELECT status FROM contribution.declaration WHERE id = '{did}'",
    )


async def _adjustment(contribution, platform, county, action: str) -> Pending:
    """A change to an approved base, submitted by clerk-c."""
    unit, staff = county.units["县档案馆"], county.persons["县档案馆"]
    declaration = await declare_and_approve(
        contribution, platform, unit, 2020, wage_lines(staff, "6000.00")
    )
    r = await contribution.post(
        f"/v1/contribution/declarations/{declaration['id']}/adjustments",
        headers={**_user(platform, "clerk-c"), **_key()},
        json={
            "citizen_id": staff[0]["citizen_id"],
            "name": staff[0]["name"],
            "wage": "7000.00",
            "from_month": 6,
            "reason": "补报绩效工资",
        },
    )
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    return Pending(
        f"/v1/contribution/adjustments/{aid}/{action}",
        ("clerk-c",),
        f"SELECT status FROM contribution.base_adjustment WHERE id = '{aid}'",
    )


async def _reversal(contribution, platform, county, action: str) -> Pending:
    """A receipt recorded by finance-a, its reversal asked by clerk-b."""
    unit = county.units["县档案馆"]
    r = await contribution.post(
        "/v1/contribution/receipts",
        headers={**_user(platform, "finance-a"), **_key()},
        json={"unit_id": unit["id"], "amount": "500.00", "received_on": "2020-02-10"},
    )
    assert r.status_code == 201, r.text
    r = await contribution.post(
        f"/v1/contribution/receipts/{r.json()['id']}/reversals",
        headers={**_user(platform, "clerk-b"), **_key()},
        json={"reason": "错记单位"},
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    return Pending(
        f"/v1/contribution/receipt-reversals/{rid}/{action}",
        ("clerk-b", "finance-a"),
        f"SELECT status FROM contribution.receipt_reversal WHERE id = '{rid}'",
    )


async def _parameter(contribution, platform, county, action: str) -> Pending:
    """A new late-fee rate (0: every late fee forgiven) submitted by admin-a."""
    r = await contribution.post(
        "/v1/contribution/parameters",
        headers=_user(platform, "admin-a"),
        json={"name": "late_fee.daily_rate", "effective_from": "2020-01-01", "value": "0"},
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    return Pending(
        f"/v1/contribution/parameters/{pid}/{action}",
        ("admin-a",),
        f"SELECT status FROM contribution.parameter WHERE id = {pid}",
        other_roles=("clerk",),  # policy is approved by finance
    )


async def _suspense(contribution, platform, county, action: str) -> Pending:
    """A bank credit of an unknown payer (待查明款项), matched to the unit by clerk-b."""
    unit = county.units["县档案馆"]
    line = {
        "reference": f"MATRIX-{action}",
        "unit_credit_code": "12330522MB999999X0",
        "amount": "500.00",
        "received_on": "2020-02-10",
    }
    raw, headers = signed(platform, {"receipts": [line]})
    r = await contribution.post(
        f"/v1/contribution/bank/{BANK}/receipts", content=raw, headers=headers
    )
    assert r.status_code == 200, r.text
    sid = r.json()["results"][0]["suspense"]["id"]
    r = await contribution.post(
        f"/v1/contribution/suspense/{sid}/match",
        headers={**_user(platform, "clerk-b"), **_key()},
        json={"unit_id": unit["id"], "note": "付款人为县档案馆"},
    )
    assert r.status_code == 200, r.text
    return Pending(
        f"/v1/contribution/suspense/{sid}/{action}",
        ("clerk-b",),
        f"SELECT status FROM contribution.bank_suspense WHERE id = '{sid}'",
    )


# Every four-eyes route of contribution: (how the change is made, the decision, who decides
# it in the end, the status it then has).
MONEY_ROUTES: list[tuple[Maker, str, str, str]] = [
    (_declaration, "approve", "finance-d", "approved"),
    (_declaration, "return", "clerk-d", "returned"),
    (_adjustment, "approve", "finance-d", "approved"),
    (_adjustment, "reject", "clerk-d", "rejected"),
    (_reversal, "approve", "clerk-d", "approved"),
    (_reversal, "reject", "finance-d", "rejected"),
    (_parameter, "approve", "finance-d", "approved"),
    (_parameter, "reject", "finance-d", "rejected"),
    (_suspense, "approve", "finance-d", "matched"),
    (_suspense, "reject", "clerk-d", "open"),  # held again, for another proposal
]


@pytest.mark.parametrize(
    ("make", "action", "second", "decided"),
    MONEY_ROUTES,
    ids=[f"{m.__name__.strip('_')}-{a}" for m, a, _, _ in MONEY_ROUTES],
)
async def test_only_a_second_person_with_a_business_role_decides(
    platform, start_apps, make: Maker, action: str, second: str, decided: str
) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县档案馆": ("full", 2, "2019-01-01")}
    )
    pending = await make(contribution, platform, county, action)
    body = {"note": "已核对"}

    refused = [
        # Each maker, even holding every other role.
        *[
            (_user(platform, m, "clerk", "finance", "admin"), "four_eyes_required")
            for m in pending.makers
        ],
        (_user(platform, "admin-x", "admin"), "approver_role_required"),
        (_user(platform, "auditor-x", "auditor"), "approver_role_required"),
        *[(_user(platform, f"{r}-x", r), "approver_role_required") for r in pending.other_roles],
    ]
    for headers, code in refused:
        r = await contribution.post(pending.path, headers=headers, json=body)
        assert (r.status_code, r.json()["code"]) == (403, code), (pending.path, code, r.text)
    assert await scalar(platform, pending.status_sql) == "submitted"

    r = await contribution.post(pending.path, headers=_user(platform, second), json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decided_by"]) == (decided, second)
    assert await scalar(platform, pending.status_sql) == decided
