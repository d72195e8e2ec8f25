"""Helpers: retirements published as enrollment would, and the payout calls tests repeat."""

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import nats.js.errors

from shared.contracts import EventEnvelope, PersonRetired
from tests.conftest import auth_headers
from tests.enrollment.helpers import citizen_id
from tests.enrollment.helpers import publish as publish_once
from tests.shared.integration.helpers import eventually


async def publish(platform, envelope: EventEnvelope, msg_id: str | None = None) -> None:
    """Publish as enrollment would, once the service has created the stream."""
    for _ in range(100):
        try:
            return await publish_once(platform, envelope, msg_id)
        except nats.js.errors.NoStreamResponseError:
            await asyncio.sleep(0.05)
    raise AssertionError("the stream was never created")


def retirement(seq: int, **fields) -> EventEnvelope:
    """A person.retired event for a person born in 1960 (fields override the defaults)."""
    values = {
        "person_id": uuid.uuid4(),
        "unit_id": uuid.uuid4(),
        "unit_credit_code": "12330522MB0001070J",
        "citizen_id": citizen_id(birth="19600315", seq=f"{seq:03d}"),
        "name": f"退休{seq}",
        "sex": "male" if seq % 2 else "female",
        "birth_date": date(1960, 3, 15),
        "retired_on": date(2025, 3, 15),
        "age_months": 65 * 12,
        "contribution_months": 300,
        "deemed_months": 120,
        "average_index": Decimal("1.1000"),
        "indexed_months": 300,
        "deemed_index": Decimal("1.1000"),
        "basic_balance": Decimal("101000.00"),
        "annuity_notional_balance": Decimal("30300.00"),
        "annuity_funded_balance": Decimal("20200.00"),
        "bank_code": "PSBC",
        "bank_account_number": f"62218800{seq:08d}",
        "bank_account_name": f"退休{seq}",
    } | fields
    return EventEnvelope.wrap(
        PersonRetired(**values), source="enrollment", aggregate_id=str(values["person_id"])
    )


async def retire(client, platform, envelope: EventEnvelope) -> list[dict]:
    """Publish a retirement and wait for its first determination."""
    await publish(platform, envelope)
    person = envelope.aggregate_id
    found: list[dict] = []

    async def determined() -> bool:
        r = await client.get(
            f"/v1/payout/retirees/{person}/determinations", headers=auth_headers(platform, "clerk")
        )
        found[:] = r.json()["items"] if r.status_code == 200 else []
        return bool(found)

    await eventually(determined)
    return found


async def review(client, platform, determination_id: str, checker="clerk-a", approver="clerk-b"):
    """审核 by one clerk and 复核 by another; returns the approved determination."""
    for action, who in (("check", checker), ("approve", approver)):
        r = await client.post(
            f"/v1/payout/determinations/{determination_id}/{action}",
            headers=auth_headers(platform, "clerk", subject=who),
        )
        assert r.status_code == 200, r.text
    return r.json()


async def run_payroll(client, platform, period: str, within: float = 30.0) -> dict:
    """Start a payroll run and wait until it is done."""
    r = await client.post(
        "/v1/payout/payroll-runs",
        headers=auth_headers(platform, "finance"),
        json={"period": period},
    )
    assert r.status_code == 202, r.text
    run = r.json()

    async def done() -> bool:
        nonlocal run
        run = (
            await client.get(
                f"/v1/payout/payroll-runs/{run['id']}", headers=auth_headers(platform, "clerk")
            )
        ).json()
        return run["state"] == "done"

    await eventually(done, within=within)
    return run


def key() -> dict[str, str]:
    """A fresh Idempotency-Key header (one per logical request)."""
    return {"Idempotency-Key": str(uuid.uuid4())}


async def approve(client, platform, url: str, approver="second-clerk", role="clerk") -> dict:
    """Approve a money act as a second person (another subject with a business role)."""
    r = await client.post(url, headers=auth_headers(platform, role, subject=approver, **key()))
    assert r.status_code == 200, r.text
    return r.json()


async def entitle(client, platform, person: str, body: dict, headers: dict) -> dict:
    """Request a subsidy entitlement with `headers` and have a second clerk approve it."""
    r = await client.post(
        f"/v1/payout/retirees/{person}/subsidies", headers=headers | key(), json=body
    )
    assert r.status_code == 201, r.text
    return await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")


async def grant_death_benefits(client, platform, person: str, survivor: dict, headers: dict):
    """Request the death benefits with `headers` and have a second clerk approve them."""
    r = await client.post(
        f"/v1/payout/retirees/{person}/death-benefits", headers=headers | key(), json=survivor
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "requested"
    return await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/approve")


async def resume(client, platform, person: str, on: str, headers: dict, method="home_visit"):
    """Certify a suspended retiree with `headers` and have a second clerk approve the
    resumption; the approved certification."""
    r = await client.post(
        f"/v1/payout/retirees/{person}/certifications",
        headers=headers | key(),
        json={"method": method, "certified_on": on},
    )
    assert r.status_code == 201, r.text
    assert r.json()["resumption"] == "pending", r.text
    return await approve(client, platform, f"/v1/payout/certifications/{r.json()['id']}/approve")
