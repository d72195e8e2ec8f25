"""Helpers the enrollment tests (and contribution's) share: units, persons, credits, queries."""

import uuid
from datetime import date

import nats
from sqlalchemy import text

from deploy.local.demo import demo_credit_code
from shared.contracts import AccountsCredited, CreditLine, EventEnvelope
from shared.data.db import make_engine
from shared.data.ids import citizen_check_char
from tests.conftest import auth_headers


def citizen_id(birth: str = "19800315", seq: str = "123") -> str:
    """A valid citizen id of a man or woman born on `birth` (odd sequence = male)."""
    first17 = "330522" + birth + seq
    return first17 + citizen_check_char(first17)


async def counts(platform) -> dict[str, int]:
    """Row counts of the tables a refused request must leave untouched."""
    engine = make_engine(platform.database_url)
    async with engine.connect() as conn:
        result = {
            t: (await conn.execute(text(f"SELECT count(*) FROM enrollment.{t}"))).scalar_one()
            for t in ("unit", "person", "status_change", "outbox")
        }
    await engine.dispose()
    return result


async def register_unit(client, platform, serial: int = 1, **overrides) -> dict:
    """Register a fully funded unit with a valid demo credit code."""
    body = {
        "credit_code": demo_credit_code(serial),
        "name": f"单位{serial}",
        "funding_type": "full",
        **overrides,
    }
    r = await client.post(
        "/v1/enrollment/units", json=body, headers=auth_headers(platform, "clerk")
    )
    assert r.status_code == 201, r.text
    return r.json()


async def publish(platform, envelope: EventEnvelope, msg_id: str | None = None) -> None:
    """Publish an event onto the test's stream as another service would."""
    nc = await nats.connect(platform.nats_url)
    try:
        await nc.jetstream().publish(
            platform.subject_prefix + envelope.subject,
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or str(envelope.event_id)},
        )
    finally:
        await nc.close()


def credits(
    unit_id: str, period: str, credited_on: date, lines: list[tuple[str, ...]]
) -> EventEnvelope:
    """Lines are (person, basic, annuity_funded, annuity_notional[, contribution_base])."""
    payload = AccountsCredited(
        unit_id=uuid.UUID(unit_id),
        period=period,
        credited_on=credited_on,
        lines=[
            CreditLine(
                person_id=uuid.UUID(line[0]),
                basic=line[1],
                annuity_funded=line[2],
                annuity_notional=line[3],
                contribution_base=line[4] if len(line) > 4 else None,
            )
            for line in lines
        ],
    )
    return EventEnvelope.wrap(payload, source="contribution", aggregate_id=unit_id)


async def enrol(client, platform, unit: dict, n: int, joined_on: str = "2015-01-01") -> list[str]:
    """Enrol n workers under the unit; their ids."""
    ids = []
    for i in range(n):
        r = await client.post(
            "/v1/enrollment/persons",
            headers=auth_headers(platform, "clerk"),
            json={
                "citizen_id": citizen_id(seq=f"{500 + i:03d}"),
                "name": f"账户{i}",
                "unit_id": unit["id"],
                "staff_category": "worker",
                "joined_on": joined_on,
            },
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


async def balances(client, platform, person_id: str, as_of: str) -> dict[str, str]:
    """A person's balances by account kind at a date, through the API."""
    r = await client.get(
        f"/v1/enrollment/persons/{person_id}/accounts",
        params={"as_of": as_of},
        headers=auth_headers(platform, "auditor"),
    )
    return {a["kind"]: a["balance"] for a in r.json()["items"]}


async def scalar(platform, sql: str) -> object:
    """One value from the test's database."""
    engine = make_engine(platform.database_url)
    async with engine.connect() as conn:
        value = (await conn.execute(text(sql))).scalar_one()
    await engine.dispose()
    return value


async def acked(platform, durable: str, n: int) -> bool:
    """True once the durable consumer has acknowledged n messages."""
    nc = await nats.connect(platform.nats_url)
    try:
        info = await nc.jetstream().consumer_info(platform.stream_name, durable)
        return info.ack_floor.stream_seq >= n and info.num_ack_pending == 0
    except Exception:
        return False
    finally:
        await nc.close()


async def count_processed(platform, n: int) -> bool:
    """True once n events are recorded as processed."""
    return await scalar(platform, "SELECT count(*) FROM enrollment.processed_event") == n


# Four eyes (issue #17): a death entered by one clerk and a withdrawal take effect when a second
# clerk approves them. MAKER enters, CHECKER approves.
MAKER, CHECKER = "clerk-maker", "clerk-checker"


def clerk_key(platform, subject: str = MAKER) -> dict[str, str]:
    """A clerk's headers with a fresh Idempotency-Key (one logical request)."""
    return auth_headers(
        platform, "clerk", subject=subject, **{"Idempotency-Key": str(uuid.uuid4())}
    )


async def report_death(
    client, platform, person: str, on: str, reason: str = "病故", subject: str = MAKER
):
    """A clerk enters a death report (nothing changes yet); the answer."""
    return await client.post(
        f"/v1/enrollment/persons/{person}/death-reports",
        headers=clerk_key(platform, subject),
        json={"date_of_death": on, "reason": reason, "document": "死亡医学证明 0001"},
    )


async def record_death(client, platform, person: str, on: str, reason: str = "病故") -> dict:
    """A death entered by one clerk and approved by another; the approved report."""
    entered = await report_death(client, platform, person, on, reason)
    assert entered.status_code == 201, entered.text
    approved = await client.post(
        f"/v1/enrollment/death-reports/{entered.json()['id']}/approve",
        headers=clerk_key(platform, CHECKER),
    )
    assert approved.status_code == 200, approved.text
    return approved.json()


async def request_withdrawal(client, platform, person: str, body: dict, subject: str = MAKER):
    """A clerk asks for a withdrawal (nothing leaves yet); the answer."""
    return await client.post(
        f"/v1/enrollment/persons/{person}/withdrawal",
        headers=clerk_key(platform, subject),
        json=body,
    )


async def withdraw_approved(client, platform, person: str, body: dict):
    """Request a withdrawal and have a second clerk approve it: the approval's answer (its
    `result` holds the amounts), or the refusal of the request itself."""
    asked = await request_withdrawal(client, platform, person, body)
    if asked.status_code != 201:
        return asked
    return await client.post(
        f"/v1/enrollment/withdrawals/{asked.json()['id']}/approve",
        headers=clerk_key(platform, CHECKER),
    )


# Four eyes on policy versions: an admin submits, a finance user (not the submitter) approves.
POLICY_MAKER, POLICY_CHECKER = "admin-policy", "finance-policy"


def role_key(platform, role: str, subject: str) -> dict[str, str]:
    """A user's headers with a fresh Idempotency-Key (one logical request)."""
    return auth_headers(platform, role, subject=subject, **{"Idempotency-Key": str(uuid.uuid4())})


async def submit_parameter(client, platform, table: str, body: dict):
    """An admin submits a version to `/v1/enrollment/parameters/{table}` (not in force yet)."""
    return await client.post(
        f"/v1/enrollment/parameters/{table}",
        headers=role_key(platform, "admin", POLICY_MAKER),
        json=body,
    )


async def set_parameter(client, platform, table: str, body: dict) -> dict:
    """A parameter version submitted by an admin and approved by a finance user: in force."""
    r = await submit_parameter(client, platform, table, body)
    assert (r.status_code, r.json()["status"]) == (201, "submitted"), r.text
    r = await client.post(
        f"/v1/enrollment/parameters/{table}/{r.json()['id']}/approve",
        headers=role_key(platform, "finance", POLICY_CHECKER),
        json={},
    )
    assert (r.status_code, r.json()["status"]) == (200, "approved"), r.text
    return r.json()
