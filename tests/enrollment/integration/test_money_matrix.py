"""Every enrollment route on which money leaves needs two people (issue #17, item 1).

The matrix lists each money-moving act of enrollment with the route that makes it take effect:

- a death entered by a clerk (payout stops paying, heirs and death benefits can be paid):
  `POST /death-reports/{id}/approve`;
- a withdrawal (退保, the balances leave to the payee the clerk typed):
  `POST /withdrawals/{id}/approve`;
- deemed months above the threshold (they raise the pension for life):
  `POST /deemed-periods/{id}/approve`.

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

import pytest

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    CHECKER,
    MAKER,
    citizen_id,
    clerk_key,
    enrol,
    register_unit,
    report_death,
    request_withdrawal,
    scalar,
)

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
