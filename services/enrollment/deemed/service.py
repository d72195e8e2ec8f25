"""Deemed periods: checked against the limits, four-eyes above a threshold, then counted."""

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.deemed import repository
from services.enrollment.deemed.schemas import DeemedIn, DeemedOut
from services.enrollment.domain.deemed import DeemedLimits, DeemedRefused, check_deemed
from services.enrollment.models import DeemedPeriod, Person
from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons import repository as persons
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.problems import ProblemError


async def limits_on(session: AsyncSession, on: date) -> DeemedLimits:
    """The deemed-period limits in force on a date (one statement: every retirement asks)."""
    names = [
        LimitName.deemed_start_age,
        LimitName.deemed_index_min,
        LimitName.deemed_index_max,
        LimitName.deemed_approval_months,
    ]
    start_age, index_min, index_max, approval = (
        await parameters.limits(session, names, on)
    ).values()
    return DeemedLimits(
        start_age_years=int(start_age),
        index_min=index_min,
        index_max=index_max,
        approval_months=int(approval),
    )


async def _checked(
    session: AsyncSession, person: Person, months: int, index: Decimal, already: int
) -> bool:
    """Refuse (422, naming the field) what the limits exclude; True if a second user approves."""
    try:
        return check_deemed(
            person.birth_date, months, index, already, await limits_on(session, agency_today())
        )
    except DeemedRefused as exc:
        raise ProblemError(
            422, "deemed_period_implausible", message=exc.key, field=exc.field, **exc.params
        ) from exc


async def record(
    work: Work,
    person_id: uuid.UUID,
    body: DeemedIn,
) -> DeemedOut:
    """Record deemed months; above the threshold they wait for a second user's approval."""
    person = await persons.get(work.session, person_id)
    if person is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    already = sum(p.months for p in await repository.of_person(work.session, person_id))
    needs_approval = await _checked(work.session, person, body.months, body.deemed_index, already)
    row = await repository.add(
        work.session,
        DeemedPeriod(
            person_id=person_id,
            months=body.months,
            deemed_index=body.deemed_index,
            document=body.document,
            source="clerk",
            status="pending_approval" if needs_approval else "approved",
            entered_by=work.actor.subject,
        ),
    )
    await work.audit("deemed_period.recorded", "deemed_period", row.id, detail=_detail(row))
    return DeemedOut.model_validate(row, from_attributes=True)


async def approve(work: Work, deemed_id: int) -> DeemedOut:
    """A second user approves; whoever entered (and so submitted) the period may not."""
    row = await repository.lock(work.session, deemed_id)
    if row is None:
        raise ProblemError(404, "deemed_period_not_found", deemed_id=deemed_id)
    if row.status != "pending_approval":
        raise ProblemError(409, "deemed_period_not_pending", period_status=row.status)
    # The shared rule: another subject than the one who entered it, with a clerk's role
    # (admin is never the second pair of eyes).
    require_second_person(work.actor, row.entered_by, act="视同缴费复核", allowed=("clerk",))
    row = await repository.approve(work.session, row, work.actor.subject)
    await work.audit("deemed_period.approved", "deemed_period", row.id, detail=_detail(row))
    return DeemedOut.model_validate(row, from_attributes=True)


async def list_periods(session: AsyncSession, person_id: uuid.UUID) -> list[DeemedOut]:
    """A person's deemed periods."""
    if await persons.get(session, person_id) is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    return [
        DeemedOut.model_validate(r, from_attributes=True)
        for r in await repository.of_person(session, person_id)
    ]


async def record_arrived(
    work: Work, person: Person, months: int, index: Decimal, agency: str
) -> None:
    """Deemed months that arrived with a transfer in, as the sending agency determined them."""
    await repository.add(
        work.session,
        DeemedPeriod(
            person_id=person.id,
            months=months,
            deemed_index=index,
            document=f"transfer in from {agency}",
            source="transfer_in",
            status="approved",
            entered_by=work.actor.subject,
        ),
    )


async def for_retirement(
    work: Work,
    person: Person,
    months: int,
    index: Decimal | None,
    document: str | None,
) -> tuple[int, Decimal | None, str | None]:
    """The deemed months, index and documents a retirement counts.

    Recorded periods count when the request gives none; months given with the retirement
    are checked and recorded like any other, and may not exceed the approval threshold.
    """
    recorded = await repository.of_person(work.session, person.id)
    if any(p.status == "pending_approval" for p in recorded):
        raise ProblemError(409, "deemed_approval_pending")
    if months and recorded:
        raise ProblemError(
            409,
            "deemed_already_recorded",
            field="deemed_months",
        )
    if months:
        assert index is not None  # the request validator asks for it
        if not document:
            raise ProblemError(
                422,
                "deemed_document_missing",
                field="deemed_document",
            )
        if await _checked(work.session, person, months, index, 0):
            raise ProblemError(
                409,
                "deemed_approval_required",
                field="deemed_months",
                months=months,
            )
        recorded = [
            await repository.add(
                work.session,
                DeemedPeriod(
                    person_id=person.id,
                    months=months,
                    deemed_index=index,
                    document=document,
                    source="retirement",
                    status="approved",
                    entered_by=work.actor.subject,
                ),
            )
        ]
    total = sum(p.months for p in recorded)
    if not total:
        return 0, None, None
    weighted = sum((p.months * p.deemed_index for p in recorded), Decimal(0)) / total
    documents = "; ".join(p.document for p in recorded)
    return total, weighted.quantize(Decimal("0.0001")), documents


def _detail(row: DeemedPeriod) -> dict[str, object]:
    return {"person_id": str(row.person_id), "months": row.months, "status": row.status}
