"""Death notices from the provincial platform: each notice recorded once, a result per notice."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.status import ChangeType
from services.enrollment.messages import text
from services.enrollment.status_changes import service as changes
from services.enrollment.sync import repository
from services.enrollment.sync.schemas import DeathNotice, DeathNotices, NoticeResult
from shared.data.audit import record_audit
from shared.data.ids import InvalidIdentifier, mask_citizen_id, parse_citizen_id
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.i18n import DEFAULT_LOCALE
from shared.messaging.outbox import stage_events

ALREADY = frozenset({"deceased", "withdrawn"})


async def receive(
    session: AsyncSession,
    body: DeathNotices,
    who: Principal,
    request_id: str | None,
    locale: str = DEFAULT_LOCALE,
) -> list[NoticeResult]:
    """Apply each notice; a refused notice leaves the others untouched."""
    return [await _apply(session, n, who, request_id, locale) for n in body.notices]


async def _apply(
    session: AsyncSession,
    notice: DeathNotice,
    who: Principal,
    request_id: str | None,
    locale: str,
) -> NoticeResult:
    masked = mask_citizen_id(notice.citizen_id)
    try:
        citizen_id = parse_citizen_id(notice.citizen_id).number
    except InvalidIdentifier as exc:
        return NoticeResult(
            notice_id=notice.notice_id,
            citizen_id=masked,
            result="rejected",
            detail=text(exc.key, locale),
        )
    found = await repository.person_by_citizen_id(session, citizen_id)
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
            # The province's matched notice is a fact, not one person's word: one step, and a
            # clerk's death report still waiting for its second person is superseded by it.
            person = await changes.lock_for_change(
                session, found.id, ChangeType.death, pending_ok=True
            )
            latest = await changes.latest_change_date(session, person)
            if not latest <= notice.date_of_death <= date.today():
                raise ProblemError(
                    422,
                    "effective_date_invalid",
                    field="date_of_death",
                    earliest=latest.isoformat(),
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
            await changes.supersede_death_report(session, person, notice.notice_id, who, request_id)
            await record_audit(
                session,
                SCHEMA,
                actor=who.subject,
                roles=who.roles,
                action="person.death",
                object_type="person",
                object_id=person.id,
                request_id=request_id,
                detail={"notice_id": notice.notice_id},
            )
    except ProblemError as exc:
        return NoticeResult(
            notice_id=notice.notice_id,
            citizen_id=masked,
            result="rejected",
            detail=text(exc.message, locale, **exc.extra),
        )
    return NoticeResult(notice_id=notice.notice_id, citizen_id=masked, result="recorded")
