"""Reading the roster kept from enrollment's events."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.periods import month_end
from services.contribution.models import RosterPerson
from services.contribution.parameters.service import plausible_period
from services.contribution.roster import repository
from services.contribution.roster.schemas import IntervalOut, RosterPersonOut
from shared.http.auth import Principal
from shared.http.masking import sees_full_citizen_ids
from shared.http.pagination import Page
from shared.problems import ProblemError


def _present(person: RosterPerson, who: Principal) -> RosterPersonOut:
    return RosterPersonOut.model_validate(person, from_attributes=True)


async def get_person(
    session: AsyncSession, person_id: uuid.UUID, who: Principal
) -> RosterPersonOut:
    """One person on the roster with their liability intervals."""
    person = await repository.get_person(session, person_id)
    if person is None:
        raise ProblemError(404, "roster_person_not_found", person_id=str(person_id))
    out = _present(person, who)
    out.liability = [IntervalOut(**vars(i)) for i in await repository.liability(session, person_id)]
    return out


async def list_persons(
    session: AsyncSession,
    unit_id: uuid.UUID | None,
    limit: int,
    offset: int,
    who: Principal,
    citizen_id: str | None = None,
) -> Page[RosterPersonOut]:
    """Persons on the roster, optionally of one unit or the one with a citizen id (only for
    callers who see full ids: for the others it would be an oracle, as in enrollment)."""
    citizen_id = (citizen_id or "").strip().upper() or None
    if citizen_id and not sees_full_citizen_ids(who):
        raise ProblemError(403, "citizen_id_search_forbidden")  # text: shared catalogue
    rows, total = await repository.list_persons(
        session, unit_id=unit_id, citizen_id=citizen_id, limit=limit, offset=offset
    )
    return Page[RosterPersonOut](
        items=[_present(r, who) for r in rows], total=total, limit=limit, offset=offset
    )


async def liable_in_month(
    session: AsyncSession, unit_id: uuid.UUID, period: str, who: Principal
) -> list[RosterPersonOut]:
    """Who owes contributions through the unit for a month, by citizen id."""
    first = plausible_period(period)
    persons = await repository.liable_persons(session, unit_id, first, month_end(first))
    return [_present(p, who) for p in sorted(persons, key=lambda p: p.citizen_id)]
