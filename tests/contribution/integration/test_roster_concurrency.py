"""A person's events applied at the same time by different consumers (or replicas) all
reach the liability: registrations and status changes arrive on separate consumers, so one
transaction can run while another for the same person is still uncommitted."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.contribution.domain.liability import Interval
from services.contribution.roster import repository
from services.contribution.roster.handlers import (
    on_people_registered,
    on_people_status_changed,
    on_person_registered,
    on_person_status_changed,
)
from shared.contracts import EventEnvelope, PersonRegistered, PersonStatusChanged
from shared.data.db import make_engine, make_session_factory
from shared.data.work import unit_of_work
from tests.contribution.helpers import citizen_id
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

UNIT = uuid.uuid4()
JOINED = date(2019, 3, 20)
Handler = Callable[..., Awaitable[None]]


def registered(person_id: uuid.UUID) -> tuple[Handler, EventEnvelope]:
    """Enrollment's registration of the person under UNIT."""
    event = PersonRegistered(
        person_id=person_id,
        citizen_id=citizen_id(seq=str(person_id.int % 1000).zfill(3)),
        name="张三",
        sex="male",
        birth_date=date(1980, 3, 15),
        unit_id=UNIT,
        unit_credit_code="12330522MB0000000X",
        staff_category="career",
        joined_on=JOINED,
    )
    envelope = EventEnvelope.wrap(event, source="enrollment", aggregate_id=str(person_id))
    return on_person_registered, envelope


def changed(person_id: uuid.UUID, change_type: str, status: str, on: date):
    """Enrollment's status change of the person."""
    event = PersonStatusChanged(
        person_id=person_id,
        unit_id=UNIT,
        change_type=change_type,
        status_after=status,
        effective_on=on,
        reason="test",
    )
    envelope = EventEnvelope.wrap(event, source="enrollment", aggregate_id=str(person_id))
    return on_person_status_changed, envelope


CASES = {
    # The status change's consumer runs while the registration is uncommitted.
    "registration, then retirement": (
        lambda p: [registered(p), changed(p, "retirement", "retired", date(2024, 6, 1))],
        [Interval(UNIT, JOINED, date(2024, 6, 1))],
    ),
    # The registration's consumer runs while the retirement is uncommitted.
    "retirement, then registration": (
        lambda p: [changed(p, "retirement", "retired", date(2024, 6, 1)), registered(p)],
        [Interval(UNIT, JOINED, date(2024, 6, 1))],
    ),
    # Two replicas apply two changes of one person from the same consumer at once (without
    # the person's lock the second fails on the liability's key and is redelivered).
    "suspension, then resumption": (
        lambda p: [
            changed(p, "suspension", "suspended", date(2020, 6, 1)),
            changed(p, "resumption", "active", date(2021, 1, 1)),
        ],
        [Interval(UNIT, JOINED, date(2020, 6, 1)), Interval(UNIT, date(2021, 1, 1), None)],
    ),
}


async def finished_or_waiting(task: asyncio.Task, engine: AsyncEngine) -> bool:
    """Whether the task has ended or a session of this test's database waits for a lock."""
    if task.done():
        return True
    async with engine.connect() as conn:
        waiting = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return waiting.scalar_one() > 0


@pytest.mark.parametrize("case", CASES)
async def test_events_applied_concurrently_all_reach_the_liability(database_url, case) -> None:
    events, expected = CASES[case]
    person_id = uuid.uuid4()
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        first, second = events(person_id)
        if case.startswith("suspension"):  # the person is on the roster before both changes
            async with unit_of_work(sessions, "contribution") as work:
                session = work.session
                await on_person_registered(session, registered(person_id)[1])

        async def apply(handler_and_envelope: tuple[Handler, EventEnvelope]) -> None:
            handler, envelope = handler_and_envelope
            async with unit_of_work(sessions, "contribution") as work:
                session = work.session
                await handler(session, envelope)

        async with unit_of_work(sessions, "contribution") as work:
            session = work.session
            await first[0](session, first[1])
            # The other consumer's transaction runs before this one commits: it either
            # finishes (seeing nothing of this one) or waits on a lock until the commit.
            other = asyncio.create_task(apply(second))
            await eventually(lambda: finished_or_waiting(other, engine))
        await other

        async with unit_of_work(sessions, "contribution") as work:
            session = work.session
            assert await repository.liability(session, person_id) == expected
    finally:
        await engine.dispose()


@pytest.mark.parametrize("registrations_first", [True, False])
async def test_batches_of_two_consumers_over_the_same_persons_all_reach_the_liability(
    database_url, registrations_first
) -> None:
    # A batch of registrations and a batch of retirements of the same persons, listed in
    # opposite orders, each applied in one transaction while the other is uncommitted.
    people = [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()]
    retired_on = date(2024, 6, 1)
    registrations = [registered(p)[1] for p in people]
    retirements = [changed(p, "retirement", "retired", retired_on)[1] for p in reversed(people)]
    batches = [(on_people_registered, registrations), (on_people_status_changed, retirements)]
    first, second = batches if registrations_first else batches[::-1]
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:

        async def apply(handler, envelopes: list[EventEnvelope]) -> None:
            async with unit_of_work(sessions, "contribution") as work:
                session = work.session
                await handler(session, envelopes)

        async with unit_of_work(sessions, "contribution") as work:
            session = work.session
            await first[0](session, first[1])
            other = asyncio.create_task(apply(*second))
            await eventually(lambda: finished_or_waiting(other, engine))
        await other

        async with unit_of_work(sessions, "contribution") as work:
            session = work.session
            for person_id in people:
                assert await repository.liability(session, person_id) == [
                    Interval(UNIT, JOINED, retired_on)
                ]
    finally:
        await engine.dispose()
