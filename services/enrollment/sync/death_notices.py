"""Death notices from the provincial platform: each notice recorded once, a report per notice."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.status import ChangeType
from services.enrollment.persons import repository as persons
from services.enrollment.status_changes import service as changes
from shared.data.db import unit_of_work
from shared.data.ids import InvalidIdentifier, mask_citizen_id, parse_citizen_id
from shared.http.auth import Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES, ProblemError
from shared.http.observability import request_id_of
from shared.messaging.outbox import stage_events

router = APIRouter(
    prefix="/v1/enrollment/sync", tags=["provincial sync"], responses=PROBLEM_RESPONSES
)
ALREADY = frozenset({"deceased", "withdrawn"})


class DeathNotice(BaseModel):
    """One death reported by the provincial platform."""

    notice_id: str = Field(min_length=1, max_length=64)
    citizen_id: str = Field(min_length=18, max_length=18)
    date_of_death: date


class DeathNotices(BaseModel):
    """A batch of death notices."""

    notices: list[DeathNotice] = Field(min_length=1, max_length=1000)


class NoticeResult(BaseModel):
    """What happened to one notice."""

    notice_id: str
    citizen_id: str
    result: Literal["recorded", "already_recorded", "unknown_person", "rejected"]
    detail: str | None = None


async def _apply(
    session: AsyncSession, notice: DeathNotice, who: Principal, request_id: str | None
) -> NoticeResult:
    masked = mask_citizen_id(notice.citizen_id)
    try:
        citizen_id = parse_citizen_id(notice.citizen_id).number
    except InvalidIdentifier as exc:
        return NoticeResult(
            notice_id=notice.notice_id, citizen_id=masked, result="rejected", detail=str(exc)
        )
    found = await persons.get_by_citizen_id(session, citizen_id)
    if found is None:
        return NoticeResult(notice_id=notice.notice_id, citizen_id=masked, result="unknown_person")
    if found.status in ALREADY:
        return NoticeResult(
            notice_id=notice.notice_id,
            citizen_id=masked,
            result="already_recorded",
            detail=found.status,
        )
    try:
        async with session.begin_nested():  # a refused notice leaves the others untouched
            person = await changes.lock_for_change(session, found.id, ChangeType.death)
            latest = await changes.latest_change_date(session, person)
            if not latest <= notice.date_of_death <= date.today():
                raise ProblemError(
                    422,
                    "effective_date_invalid",
                    f"date_of_death must be between {latest} and today.",
                )
            _, events = await changes.apply_change(
                session,
                person,
                ChangeType.death,
                notice.date_of_death,
                f"provincial death notice {notice.notice_id}",
                who,
                request_id,
            )
            await stage_events(session, SCHEMA, events)
    except ProblemError as exc:
        return NoticeResult(
            notice_id=notice.notice_id, citizen_id=masked, result="rejected", detail=exc.detail
        )
    return NoticeResult(notice_id=notice.notice_id, citizen_id=masked, result="recorded")


@router.post("/death-notices", response_model=list[NoticeResult])
async def receive_death_notices(
    body: DeathNotices,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("province"))],
) -> list[NoticeResult]:
    """Record deaths reported by the provincial platform; sending a batch again records
    nothing twice (already recorded deaths are reported as such)."""
    async with unit_of_work(request.app.state.sessions) as session:
        return [await _apply(session, n, who, request_id_of(request)) for n in body.notices]
