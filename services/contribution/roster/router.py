"""HTTP routes to read the roster."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from shared.http.citizen_ids import shown_citizen_id
from services.contribution.domain.periods import month_end, parse_period
from services.contribution.models import RosterPerson
from services.contribution.roster import repository
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES, ProblemError
from shared.http.pagination import Page

router = APIRouter(prefix="/v1/contribution/roster", tags=["roster"], responses=PROBLEM_RESPONSES)


class IntervalOut(BaseModel):
    """A stretch in which the person owes contributions through a unit (end exclusive)."""

    unit_id: uuid.UUID
    start_on: date
    end_on: date | None


class RosterPersonOut(BaseModel):
    """A person liable for contributions."""

    id: uuid.UUID
    citizen_id: str
    name: str
    unit_id: uuid.UUID
    unit_credit_code: str
    staff_category: str
    joined_on: date
    status: str
    liability: list[IntervalOut] = []


def _present(person: RosterPerson, who: Principal) -> RosterPersonOut:
    out = RosterPersonOut.model_validate(person, from_attributes=True)
    out.citizen_id = shown_citizen_id(out.citizen_id, who)
    return out


@router.get("/persons/{person_id}", response_model=RosterPersonOut)
async def get_roster_person(
    person_id: uuid.UUID,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> RosterPersonOut:
    """One person on the roster."""
    async with request.app.state.sessions() as session:
        person = await repository.get_person(session, person_id)
        if person is None:
            raise ProblemError(
                404, "roster_person_not_found", f"No person {person_id} on the roster."
            )
        intervals = await repository.liability(session, person_id)
    out = _present(person, who)
    out.liability = [IntervalOut(**vars(i)) for i in intervals]
    return out


@router.get("/persons", response_model=Page[RosterPersonOut])
async def list_roster_persons(
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    unit_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[RosterPersonOut]:
    """Persons on the roster, optionally of one unit."""
    async with request.app.state.sessions() as session:
        rows, total = await repository.list_persons(
            session, unit_id=unit_id, limit=limit, offset=offset
        )
    return Page[RosterPersonOut](
        items=[_present(r, who) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get("/units/{unit_id}/liable", response_model=list[RosterPersonOut])
async def liable_in_month(
    unit_id: uuid.UUID,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    period: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2020-03"])],
) -> list[RosterPersonOut]:
    """Who owes contributions through the unit for a month."""
    first = parse_period(period)
    async with request.app.state.sessions() as session:
        persons = await repository.liable_persons(session, unit_id, first, month_end(first))
    return [_present(p, who) for p in sorted(persons, key=lambda p: p.citizen_id)]
