"""SQL for the provincial sync: a batch's persons read (and locked) at once."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import DeathNoticeIssue, Person


@dataclass
class Known:
    """A person a notice names, with what their history says about dates."""

    person: Person
    latest_change: date
    died_on: date | None
    pending_death_report: bool


async def lock_known(session: AsyncSession, citizen_ids: list[str]) -> dict[str, Known]:
    """The persons with these citizen ids, locked in id order (as every change of a person
    locks them), with their latest change date, recorded death and pending death report."""
    if not citizen_ids:
        return {}
    rows = await session.exec(
        select(Person)
        .where(col(Person.citizen_id).in_(citizen_ids))
        .order_by(col(Person.id))
        .with_for_update()
    )
    persons = list(rows.all())
    if not persons:
        return {}
    facts = await session.exec(
        text("""
        SELECT p.id,
               (SELECT max(effective_on) FROM enrollment.status_change s WHERE s.person_id = p.id),
               (SELECT max(effective_on) FROM enrollment.status_change s
                 WHERE s.person_id = p.id AND s.change_type = 'death'),
               EXISTS (SELECT 1 FROM enrollment.change_request r
                        WHERE r.person_id = p.id AND r.status = 'pending' AND r.kind = 'death')
        FROM unnest(CAST(:ids AS uuid[])) AS p(id)"""),
        params={"ids": [p.id for p in persons]},
    )
    by_id = {r[0]: r[1:] for r in facts.all()}
    return {
        p.citizen_id: Known(
            person=p,
            latest_change=by_id[p.id][0] or p.joined_on,
            died_on=by_id[p.id][1],
            pending_death_report=bool(by_id[p.id][2]),
        )
        for p in persons
    }


async def add_issue(session: AsyncSession, issue: DeathNoticeIssue) -> int:
    """Keep a notice on the clerk's list; its id."""
    session.add(issue)
    await session.flush()
    assert issue.id is not None
    return issue.id


async def record_deaths(
    session: AsyncSession,
    deaths: list[tuple[Person, date, str, str]],
    change_type: str,
    recorded_by: str,
) -> None:
    """History rows and statuses of many deaths (person, date, reason, status after), one
    statement each; the session's persons say the new status without a second write."""
    persons = [p.id for p, _, _, _ in deaths]
    units = [p.unit_id for p, _, _, _ in deaths]
    dates, reasons, statuses = ([d[i] for d in deaths] for i in (1, 2, 3))
    await session.exec(
        text("""
        INSERT INTO enrollment.status_change (person_id, unit_id, change_type, status_after,
                                              effective_on, reason, recorded_by)
        SELECT v.person_id, v.unit_id, :change_type, v.status, v.on_date, v.reason, :who
        FROM unnest(CAST(:persons AS uuid[]), CAST(:units AS uuid[]), CAST(:dates AS date[]),
                    CAST(:reasons AS text[]), CAST(:statuses AS text[]))
             AS v(person_id, unit_id, on_date, reason, status)"""),
        params={
            "change_type": change_type,
            "who": recorded_by,
            "persons": persons,
            "units": units,
            "dates": dates,
            "reasons": reasons,
            "statuses": statuses,
        },
    )
    await session.exec(
        text("""
        UPDATE enrollment.person p SET status = v.status
        FROM unnest(CAST(:persons AS uuid[]), CAST(:statuses AS text[])) AS v(id, status)
        WHERE p.id = v.id"""),
        params={"persons": persons, "statuses": statuses},
    )
    for person, _, _, status in deaths:
        set_committed_value(person, "status", status)
