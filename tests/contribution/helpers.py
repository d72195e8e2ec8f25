"""Helpers shared by contribution's tests: a small county registered in enrollment and
visible in contribution's roster, direct reads of the database and the stream, and the
steps of a collection year."""

from dataclasses import dataclass, field

import nats
from sqlalchemy import text

from deploy.local.demo import demo_credit_code
from shared.contracts import EventEnvelope
from shared.data.db import make_engine
from shared.data.ids import citizen_check_char
from tests.conftest import auth_headers
from tests.job_wait import wait_for_job
from tests.shared.integration.helpers import eventually


def citizen_id(birth: str = "19800315", seq: str = "123") -> str:
    """A valid citizen id (GB 11643 check character) from a birth date and a sequence."""
    first17 = "330522" + birth + seq
    return first17 + citizen_check_char(first17)


async def scalar(platform, sql: str) -> object:
    """One value read straight from the test's database."""
    engine = make_engine(platform.database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar_one()
    finally:
        await engine.dispose()


async def publish(platform, envelope: EventEnvelope, msg_id: str | None = None) -> None:
    """Publish an event on the test's stream as another service would."""
    nc = await nats.connect(platform.nats_url)
    try:
        await nc.jetstream().publish(
            platform.subject_prefix + envelope.subject,
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or str(envelope.event_id)},
        )
    finally:
        await nc.close()


async def stream_messages(platform) -> int:
    """How many messages the test's stream holds."""
    nc = await nats.connect(platform.nats_url)
    try:
        return (await nc.jetstream().stream_info(platform.stream_name)).state.messages
    finally:
        await nc.close()


async def consumer_state(platform, handler_name: str) -> tuple[int, int, int]:
    """A handler's durable consumer: (messages delivered, not yet delivered, awaiting ack)."""
    nc = await nats.connect(platform.nats_url)
    try:
        info = await nc.jetstream().consumer_info(
            platform.stream_name, handler_name.replace(".", "-")
        )
        return info.delivered.consumer_seq or 0, info.num_pending or 0, info.num_ack_pending or 0
    finally:
        await nc.close()


async def balances(client, platform, person_id: str, as_of: str) -> dict[str, str]:
    """A person's account balances in enrollment on a date, by account kind."""
    r = await client.get(
        f"/v1/enrollment/persons/{person_id}/accounts",
        params={"as_of": as_of},
        headers=auth_headers(platform, "auditor"),
    )
    return {a["kind"]: a["balance"] for a in r.json()["items"]}


@dataclass
class County:
    """What the helpers registered: units by name, persons by unit."""

    units: dict[str, dict] = field(default_factory=dict)
    persons: dict[str, list[dict]] = field(default_factory=dict)


async def register(
    enrollment, contribution, platform, units: dict[str, tuple[str, int, str]]
) -> County:
    """Register units {name: (funding_type, staff, joined_on)} with their staff; wait for the
    roster to hold them all."""
    clerk = auth_headers(platform, "clerk")
    county = County()
    for serial, (name, (funding, staff, joined)) in enumerate(units.items(), start=11):
        r = await enrollment.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={"credit_code": demo_credit_code(serial), "name": name, "funding_type": funding},
        )
        assert r.status_code == 201, r.text
        county.units[name] = r.json()
        county.persons[name] = []
        for n in range(staff):
            r = await enrollment.post(
                "/v1/enrollment/persons",
                headers=clerk,
                json={
                    "citizen_id": citizen_id(seq=f"{serial}{n}"[-3:].rjust(3, "1")),
                    "name": f"{name}{n}",
                    "unit_id": county.units[name]["id"],
                    "staff_category": "civil_servant",
                    "joined_on": joined,
                },
            )
            assert r.status_code == 201, r.text
            county.persons[name].append(r.json())
    total = sum(len(p) for p in county.persons.values())

    async def roster_complete() -> bool:
        r = await contribution.get(
            "/v1/contribution/roster/persons", params={"limit": 1}, headers=clerk
        )
        return r.json()["total"] == total

    await eventually(roster_complete)
    return county


async def declare_and_approve(contribution, platform, unit: dict, year: int, lines: list) -> dict:
    """A declaration submitted by one clerk and approved by another."""
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=auth_headers(platform, "clerk", subject="clerk-a"),
        json={"unit_id": unit["id"], "year": year, "lines": lines},
    )
    assert r.status_code == 201, r.text
    declaration = r.json()
    r = await contribution.post(
        f"/v1/contribution/declarations/{declaration['id']}/submit",
        headers=auth_headers(platform, "clerk", subject="clerk-a"),
    )
    assert r.status_code == 200, r.text
    r = await contribution.post(
        f"/v1/contribution/declarations/{declaration['id']}/approve",
        headers=auth_headers(platform, "clerk", subject="clerk-b"),
        json={},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def set_parameter(contribution, platform, version: dict) -> dict:
    """A parameter version submitted by an admin and approved by a finance user."""
    r = await contribution.post(
        "/v1/contribution/parameters", headers=auth_headers(platform, "admin"), json=version
    )
    assert (r.status_code, r.json()["status"]) == (201, "submitted"), r.text
    r = await contribution.post(
        f"/v1/contribution/parameters/{r.json()['id']}/approve",
        headers=auth_headers(platform, "finance", subject="finance-policy"),
        json={},
    )
    assert (r.status_code, r.json()["status"]) == (200, "approved"), r.text
    return r.json()


def wage_lines(persons: list[dict], wage: str) -> list[dict]:
    """Every person at the same wage."""
    return [{"citizen_id": p["citizen_id"], "name": p["name"], "wage": wage} for p in persons]


async def generate(contribution, platform, period: str) -> dict:
    """Generate a month's plans."""
    r = await contribution.post(
        "/v1/contribution/plans/generate",
        headers=auth_headers(platform, "clerk"),
        json={"period": period},
    )
    job = await wait_for_job(contribution, r)
    assert job["state"] == "succeeded", job
    return job["result"]


async def pay(contribution, platform, unit: dict, amount: str, on: str, key: str) -> dict:
    """A counter receipt."""
    r = await contribution.post(
        "/v1/contribution/receipts",
        headers=auth_headers(platform, "finance", **{"Idempotency-Key": key}),
        json={"unit_id": unit["id"], "amount": amount, "received_on": on},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def plans(contribution, platform, unit: dict) -> list[dict]:
    """A unit's plans, oldest first."""
    r = await contribution.get(
        "/v1/contribution/plans",
        params={"unit_id": unit["id"], "limit": 500},
        headers=auth_headers(platform, "auditor"),
    )
    return r.json()["items"]
