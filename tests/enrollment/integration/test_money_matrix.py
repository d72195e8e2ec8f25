"""Every enrollment route on which money leaves needs two people (issue #17, item 1).

The matrix lists each money-moving act of enrollment with the route that makes it take effect:

- a death entered by a clerk (payout stops paying, heirs and death benefits can be paid):
  `POST /death-reports/{id}/approve`;
- a withdrawal (退保, the balances leave to the payee the clerk typed):
  `POST /withdrawals/{id}/approve`;
- deemed months above the threshold (they raise the pension for life):
  `POST /deemed-periods/{id}/approve`.

- a dated policy version (a bookkeeping interest rate, a limit, a retirement-age or minimum-
  contribution rule, the pooled-fund rate): `POST /parameters/{table}/{id}/approve` or
  `/reject`, decided by a finance user only (test_no_one_person_sets_policy).

A retirement pays only once payout's determination is approved by a second person (payout's
matrix); a transfer out pays nothing from here. The province's matched death notice stays one
step: it is the province's data match, not one person's word (test_change_requests.py).

For each act: the maker cannot approve (403 four_eyes_required, also holding an admin role
beside the clerk's), an admin cannot (403 approver_role_required), neither can an auditor or a
finance officer, a second clerk can; and before that approval nothing takes effect: no event
in the outbox, no closing, no changed status.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import pytest

from services.enrollment.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    CHECKER,
    MAKER,
    POLICY_MAKER,
    citizen_id,
    clerk_key,
    enrol,
    register_unit,
    report_death,
    request_withdrawal,
    role_key,
    scalar,
    submit_parameter,
)
from tests.job_wait import finished

pytestmark = pytest.mark.asyncio(loop_scope="session")
PAYEE = {"bank_code": "PSBC", "account_number": "6221880012345678", "account_name": "本人"}


@dataclass(frozen=True)
class Effect:
    """What the act changes once approved, read straight from the database."""

    events: int  # its events in the outbox
    closings: int  # account closings
    status: str  # the person's status (or the deemed period's)


@dataclass(frozen=True)
class MoneyRoute:
    """One money-moving act: how the maker enters it, and how to read its effect."""

    name: str
    enter: Callable[..., Awaitable[tuple[str, str]]]  # (approve url, person id)
    event_type: str
    status_sql: str  # one value: the status that changes on approval
    before: str
    after: str


async def _death(client, platform) -> tuple[str, str]:
    unit = await register_unit(client, platform)
    [person] = await enrol(client, platform, unit, 1)
    r = await report_death(client, platform, person, "2020-05-01")
    assert r.status_code == 201, r.text
    return f"/v1/enrollment/death-reports/{r.json()['id']}/approve", person


async def _withdrawal(client, platform) -> tuple[str, str]:
    unit = await register_unit(client, platform)
    [person] = await enrol(client, platform, unit, 1)
    body = {
        "reason": "settled_abroad",
        "effective_on": "2020-06-30",
        "evidence": "定居证明",
        "payee": PAYEE,
    }
    r = await request_withdrawal(client, platform, person, body)
    assert r.status_code == 201, r.text
    return f"/v1/enrollment/withdrawals/{r.json()['id']}/approve", person


async def _deemed(client, platform) -> tuple[str, str]:
    unit = await register_unit(client, platform)
    r = await client.post(
        "/v1/enrollment/persons",
        headers=clerk_key(platform),
        json={
            "citizen_id": citizen_id(birth="19590510", seq="411"),
            "name": "视同",
            "unit_id": unit["id"],
            "staff_category": "civil_servant",
            "joined_on": "1980-01-01",
        },
    )
    person = r.json()["id"]
    period = await client.post(
        f"/v1/enrollment/persons/{person}/deemed-periods",
        headers=clerk_key(platform),
        json={"months": 400, "deemed_index": "1.1", "document": "人事档案 1980-017"},
    )
    assert period.status_code == 201, period.text
    return f"/v1/enrollment/deemed-periods/{period.json()['id']}/approve", person


ROUTES = [
    MoneyRoute(
        "death report",
        _death,
        "enrollment.person.deceased",
        "SELECT status FROM enrollment.person WHERE id = '{person}'",
        "active",
        "deceased",
    ),
    MoneyRoute(
        "withdrawal",
        _withdrawal,
        "enrollment.person.withdrawn",
        "SELECT status FROM enrollment.person WHERE id = '{person}'",
        "active",
        "withdrawn",
    ),
    MoneyRoute(
        "deemed period",
        _deemed,
        "",  # deemed months announce nothing; they count from the approval on
        "SELECT status FROM enrollment.deemed_period WHERE person_id = '{person}'",
        "pending_approval",
        "approved",
    ),
]


async def effect(platform, route: MoneyRoute, person: str) -> Effect:
    """The act's footprint so far."""
    return Effect(
        events=await scalar(
            platform,
            "SELECT count(*) FROM enrollment.outbox "
            f"WHERE envelope->>'type' = '{route.event_type}'",
        ),
        closings=await scalar(platform, "SELECT count(*) FROM enrollment.account_closing"),
        status=await scalar(platform, route.status_sql.format(person=person)),
    )


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
async def test_no_one_person_moves_money(platform, route: MoneyRoute) -> None:
    async with running_app(create_app(platform)) as client:
        approve, person = await route.enter(client, platform)
        nothing = Effect(0, 0, route.before)
        assert await effect(platform, route, person) == nothing

        refusals = {
            "maker": (("clerk",), MAKER, "four_eyes_required"),
            # One person with a clerk and an admin login is still one person.
            "maker holding admin too": (("clerk", "admin"), MAKER, "four_eyes_required"),
            "admin": (("admin",), "root", "approver_role_required"),
            "auditor": (("auditor",), "auditor", "approver_role_required"),
            "finance": (("finance",), "finance", "approver_role_required"),
        }
        for who, (roles, subject, code) in refusals.items():
            headers = auth_headers(
                platform, *roles, subject=subject, **{"Idempotency-Key": str(uuid.uuid4())}
            )
            r = await client.post(approve, headers=headers)
            assert (r.status_code, r.json()["code"]) == (403, code), (who, r.text)
            assert await effect(platform, route, person) == nothing, who

        second = await client.post(approve, headers=clerk_key(platform, CHECKER))
        assert second.status_code == 200, second.text
        done = await effect(platform, route, person)
        assert done.status == route.after
        if route.event_type:
            assert done.events == 1
        assert done.closings == (1 if route.name == "withdrawal" else 0)
        again = await client.post(approve, headers=clerk_key(platform, "clerk-third"))
        assert again.status_code == 409  # decided once
        assert await effect(platform, route, person) == done


# Policy versions (issue #17): a bookkeeping interest rate changes every balance and so what is
# paid at retirement, death, withdrawal and transfer; a limit bounds transfers in, deemed months
# and closings; the age and minimum rules decide who may retire; the pooled-fund rate what a
# transfer out carries. An admin submits a version; only a finance user other than the
# submitter puts it in force (admin never approves business, a clerk does not decide policy).
Observe = Callable[..., Awaitable[object]]
RETIREE_BORN = "19600315"  # a man: 60 (720 months) on 2020-03-15 by the default rule


@dataclass(frozen=True)
class PolicyRoute:
    """One parameter table: a version to submit, and a figure that shows whether it is in force."""

    table: str  # under /v1/enrollment/parameters
    db_table: str
    version: dict
    observe: Observe | None  # (client, platform, person) -> a figure read without changing a thing
    before: object = None
    after: object = None


async def _interest_run(client, platform, person: str) -> object:
    """2015 has no default rate: the run is refused until a version is in force."""
    r = await finished(
        client,
        await client.post(
            "/v1/enrollment/interest-runs",
            headers=role_key(platform, "finance", "finance-run"),
            json={"year": 2015, "account_kind": "basic"},
        ),
    )
    return r.json()["code"] if r.status_code == 409 else r.json()["total_interest"]


async def _horizon(client, platform, person: str) -> object:
    """How far a closing preview may look: three years ahead is within the default 50."""
    on = date(agency_today().year + 3, 12, 31).isoformat()
    r = await client.get(
        f"/v1/enrollment/persons/{person}/closing-preview",
        params={"on": on},
        headers=auth_headers(platform, "auditor"),
    )
    return r.status_code


async def _retirement_refusal(client, platform, person: str, on: str, figure: str) -> object:
    """A retirement the rules refuse (so nothing changes); the figure the refusal names."""
    r = await client.post(
        f"/v1/enrollment/persons/{person}/retirement",
        headers=clerk_key(platform),
        json={"retired_on": on, "bank_account": PAYEE},
    )
    assert r.status_code == 409, r.text
    return r.json()[figure]


async def _required_age(client, platform, person: str) -> object:
    return await _retirement_refusal(client, platform, person, "2020-03-14", "required_age_months")


async def _minimum_months(client, platform, person: str) -> object:
    return await _retirement_refusal(client, platform, person, "2020-03-15", "minimum_months")


POLICY_ROUTES = [
    PolicyRoute(
        "interest-rates",
        "interest_rate",
        {"year": 2015, "account_kind": "basic", "rate": "0.0500"},
        _interest_run,
        "interest_rate_missing",
        "0.00",
    ),
    PolicyRoute(
        "limits",
        "policy_limit",
        {"name": "closing_horizon_years", "effective_from": "2000-01-01", "value": "1"},
        _horizon,
        200,
        422,
    ),
    PolicyRoute(
        "retirement-age-rules",
        "retirement_age_rule",
        {
            "sex": "male",
            "staff_group": "all",
            "born_from": "1960-01-01",
            "born_to": "1960-12-31",
            "base_age_months": 730,
            "max_age_months": 730,
        },
        _required_age,
        720,
        730,
    ),
    PolicyRoute(
        "minimum-contribution-rules",
        "minimum_contribution_rule",
        {"from_year": 1990, "months": 1},
        _minimum_months,
        180,
        1,
    ),
    # What a transfer out carries is written by the transfer itself; its status is the proof.
    PolicyRoute(
        "pooled-fund-rates",
        "pooled_fund_rate",
        {"effective_from": "2000-01-01", "rate": "0.5"},
        None,
    ),
]


async def _retiree(client, platform) -> str:
    """A man of 60 in 2020 with no contributions: the rules refuse his retirement either way."""
    unit = await register_unit(client, platform)
    r = await client.post(
        "/v1/enrollment/persons",
        headers=clerk_key(platform),
        json={
            "citizen_id": citizen_id(birth=RETIREE_BORN, seq="111"),
            "name": "待退",
            "unit_id": unit["id"],
            "staff_category": "civil_servant",
            "joined_on": "2005-01-01",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.parametrize("decision", ["approve", "reject"])
@pytest.mark.parametrize("route", POLICY_ROUTES, ids=[r.table for r in POLICY_ROUTES])
async def test_no_one_person_sets_policy(platform, route: PolicyRoute, decision: str) -> None:
    async with running_app(create_app(platform)) as client:
        person = await _retiree(client, platform)
        r = await submit_parameter(client, platform, route.table, route.version)
        assert (r.status_code, r.json()["status"]) == (201, "submitted"), r.text
        version = r.json()["id"]
        url = f"/v1/enrollment/parameters/{route.table}/{version}/{decision}"
        status = f"SELECT status FROM enrollment.{route.db_table} WHERE id = {version}"

        async def in_force() -> object:
            return await route.observe(client, platform, person) if route.observe else None

        assert await in_force() == route.before  # submitted: nothing in force yet
        refusals = {
            "maker": (("admin",), POLICY_MAKER, "approver_role_required"),
            # One person holding a finance login too is still the one who submitted it.
            "maker holding finance too": (("admin", "finance"), POLICY_MAKER, "four_eyes_required"),
            "another admin": (("admin",), "root", "approver_role_required"),
            "auditor": (("auditor",), "auditor", "approver_role_required"),
            "clerk": (("clerk",), "clerk-policy", "approver_role_required"),
        }
        for who, (roles, subject, code) in refusals.items():
            headers = auth_headers(
                platform, *roles, subject=subject, **{"Idempotency-Key": str(uuid.uuid4())}
            )
            r = await client.post(url, headers=headers, json={"note": "同意"})
            assert (r.status_code, r.json()["code"]) == (403, code), (who, r.text)
            assert await scalar(platform, status) == "submitted", who
            assert await in_force() == route.before, who

        r = await client.post(
            url, headers=role_key(platform, "finance", "finance-d"), json={"note": "依据文件"}
        )
        assert r.status_code == 200, r.text
        decided = "approved" if decision == "approve" else "rejected"
        assert (r.json()["status"], r.json()["decided_by"]) == (decided, "finance-d")
        assert await scalar(platform, status) == decided
        assert await in_force() == (route.after if decision == "approve" else route.before)
        again = await client.post(
            url, headers=role_key(platform, "finance", "finance-e"), json={"note": "再次"}
        )
        assert (again.status_code, again.json()["code"]) == (409, "parameter_decided")
        kind = route.db_table.removeprefix("policy_")  # audited as limit.<name>.submitted
        actions = await scalar(
            platform,
            "SELECT string_agg(action, ',' ORDER BY id) FROM enrollment.audit_log "
            f"WHERE object_id = '{version}' AND action LIKE '{kind}.%'",
        )
        submitted, decided_as = actions.split(",")
        assert (submitted.endswith(".submitted"), decided_as) == (True, f"{kind}.{decided}")


async def test_a_policy_rejection_says_why_and_an_unknown_version_is_not_found(platform) -> None:
    async with running_app(create_app(platform)) as client:
        limit = {"name": "transfer_in_months_max", "effective_from": "2000-01-01", "value": "0"}
        r = await submit_parameter(client, platform, "limits", limit)
        finance = role_key(platform, "finance", "finance-d")
        base = "/v1/enrollment/parameters/limits"
        r = await client.post(f"{base}/{r.json()['id']}/reject", headers=finance, json={})
        assert (r.status_code, r.json()["code"]) == (422, "note_required")
        r = await client.post(f"{base}/999999/approve", headers=finance, json={})
        assert (r.status_code, r.json()["code"]) == (404, "parameter_not_found")
        r = await client.post(f"{base}/0/approve", headers=finance, json={})
        assert r.status_code == 422
