"""SQL for the roster: units, persons, their status changes and liability intervals."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import delete, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.liability import Change, Interval
from services.contribution.models import Liability, RosterPerson, RosterStatusChange, RosterUnit

LIABILITY = Liability.__table__
STATUS_CHANGE = RosterStatusChange.__table__


async def insert_unit(session: AsyncSession, values: dict[str, Any]) -> None:
    """Add a unit unless it is already there."""
    await session.exec(insert(RosterUnit).values(**values).on_conflict_do_nothing())


async def update_unit(session: AsyncSession, unit_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Change a unit's fields; False if the unit is not on the roster (yet)."""
    if await session.get(RosterUnit, unit_id) is None:
        return False
    if values:
        await session.exec(update(RosterUnit).where(RosterUnit.id == unit_id).values(**values))
    return True


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> RosterUnit | None:
    """A roster unit by id."""
    return await session.get(RosterUnit, unit_id)


async def insert_person(session: AsyncSession, values: dict[str, Any]) -> None:
    """Add a person unless they are already there."""
    await session.exec(insert(RosterPerson).values(**values).on_conflict_do_nothing())


async def update_person(
    session: AsyncSession, person_id: uuid.UUID, values: dict[str, Any]
) -> None:
    """Change a person's roster fields."""
    await session.exec(update(RosterPerson).where(RosterPerson.id == person_id).values(**values))


async def lock_person(session: AsyncSession, person_id: uuid.UUID) -> None:
    """Take the person's lock until the transaction ends: one rebuild of a person at a time."""
    # The two-key form is a key space of its own: no clash with the one-key locks elsewhere.
    await session.exec(
        text(
            "SELECT pg_advisory_xact_lock(hashtext('contribution.roster_person'), hashtext(:id))"
        ).bindparams(id=str(person_id))
    )


async def lock_persons(session: AsyncSession, person_ids: list[uuid.UUID]) -> None:
    """Take several persons' locks (as `lock_person`) in one statement, in the order of their
    keys: two batches locking overlapping persons never wait on each other in a cycle."""
    await session.exec(
        text(
            "SELECT pg_advisory_xact_lock(hashtext('contribution.roster_person'), k) FROM "
            "(SELECT DISTINCT hashtext(id) AS k FROM unnest(CAST(:ids AS text[])) AS id "
            "ORDER BY k) AS keys"
        ).bindparams(ids=[str(p) for p in person_ids])
    )


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> RosterPerson | None:
    """A roster person by id."""
    return await session.get(RosterPerson, person_id)


async def add_status_change(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep a status change (once per event)."""
    await session.exec(insert(RosterStatusChange).values(**values).on_conflict_do_nothing())


async def status_changes(session: AsyncSession, person_id: uuid.UUID) -> list[Change]:
    """Every change received for a person."""
    rows = await session.exec(
        select(
            STATUS_CHANGE.c.effective_on, STATUS_CHANGE.c.change_type, STATUS_CHANGE.c.unit_id
        ).where(STATUS_CHANGE.c.person_id == person_id)
    )
    return [Change(*row) for row in rows.all()]


async def latest_status(session: AsyncSession, person_id: uuid.UUID) -> str | None:
    """The status after the person's latest change, if any change was received."""
    rows = await session.exec(
        select(STATUS_CHANGE.c.status_after)
        .where(STATUS_CHANGE.c.person_id == person_id)
        .order_by(STATUS_CHANGE.c.effective_on.desc(), STATUS_CHANGE.c.recorded_at.desc())
        .limit(1)
    )
    return rows.first()


async def replace_liability(
    session: AsyncSession, person_id: uuid.UUID, intervals: list[Interval]
) -> None:
    """Store a person's liability intervals in place of the previous ones."""
    await session.exec(delete(LIABILITY).where(LIABILITY.c.person_id == person_id))
    if intervals:
        await session.exec(
            insert(LIABILITY).values(
                [
                    {
                        "person_id": person_id,
                        "unit_id": i.unit_id,
                        "start_on": i.start_on,
                        "end_on": i.end_on,
                    }
                    for i in intervals
                ]
            )
        )


async def liability(session: AsyncSession, person_id: uuid.UUID) -> list[Interval]:
    """A person's liability intervals, oldest first."""
    rows = await session.exec(
        select(LIABILITY.c.unit_id, LIABILITY.c.start_on, LIABILITY.c.end_on)
        .where(LIABILITY.c.person_id == person_id)
        .order_by(LIABILITY.c.start_on)
    )
    return [Interval(*row) for row in rows.all()]


async def list_persons(
    session: AsyncSession,
    *,
    unit_id: uuid.UUID | None,
    citizen_id: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[RosterPerson], int]:
    """Roster persons, optionally of one unit or one citizen id, with the total count."""
    query = select(RosterPerson)
    if unit_id:
        query = query.where(RosterPerson.unit_id == unit_id)
    if citizen_id:
        query = query.where(RosterPerson.citizen_id == citizen_id)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(RosterPerson.joined_on, RosterPerson.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def liable_persons(
    session: AsyncSession, unit_id: uuid.UUID, first_day: date, last_day: date
) -> list[RosterPerson]:
    """Persons liable through a unit for some day of [first_day, last_day]."""
    rows = await session.exec(
        select(RosterPerson)
        .join(LIABILITY, LIABILITY.c.person_id == RosterPerson.id)
        .where(
            LIABILITY.c.unit_id == unit_id,
            LIABILITY.c.start_on <= last_day,
            (LIABILITY.c.end_on.is_(None)) | (LIABILITY.c.end_on > first_day),
        )
        .distinct()
    )
    return list(rows.all())


async def registered(
    session: AsyncSession, citizen_ids: list[str]
) -> dict[str, tuple[RosterPerson, str | None]]:
    """The roster persons among these citizen ids, with their unit's name (if on the roster)."""
    rows = await session.exec(
        select(RosterPerson, RosterUnit.name)
        .join(RosterUnit, RosterUnit.id == RosterPerson.unit_id, isouter=True)
        .where(RosterPerson.citizen_id.in_(citizen_ids))
    )
    return {person.citizen_id: (person, unit_name) for person, unit_name in rows.all()}
