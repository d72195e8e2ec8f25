"""Registering and reading employer units."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.models import Unit, UnitChange
from services.enrollment.naming import unit_named
from services.enrollment.units import repository
from services.enrollment.units.schemas import UnitClose, UnitCreate, UnitOut, UnitUpdate
from shared.contracts import EventEnvelope, UnitClosed, UnitRegistered, UnitUpdated
from shared.data.audit import changed_fields
from shared.data.clock import agency_today
from shared.data.ids import uscc_kind
from shared.data.sorting import SortKey
from shared.data.work import Work
from shared.http.pagination import Page
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError


async def register_unit(work: Work, body: UnitCreate) -> UnitOut:
    """Register a unit and announce it."""
    if body.code_check_override_reason is not None and "admin" not in work.actor.roles:
        raise ProblemError(403, "code_override_forbidden")
    existing = await repository.get_by_credit_code(work.session, body.credit_code)
    if existing is not None:
        raise ProblemError(
            409,
            "unit_already_registered",
            unit_id=str(existing.id),
            **unit_named(existing),
        )
    unit = Unit(
        credit_code=body.credit_code,
        name=body.name,
        kind=uscc_kind(body.credit_code) or "other",
        funding_type=body.funding_type.value,
        registered_on=body.registered_on or agency_today(),
        established_on=body.established_on,
        code_check_override_reason=body.code_check_override_reason,
        code_check_overridden_by=work.actor.subject if body.code_check_override_reason else None,
        created_by=work.actor.subject,
    )
    await repository.add(work.session, unit)
    event = UnitRegistered(
        unit_id=unit.id,
        credit_code=unit.credit_code,
        name=unit.name,
        kind=unit.kind,
        funding_type=unit.funding_type,
        registered_on=unit.registered_on,
    )
    await stage_events(
        work.session,
        SCHEMA,
        [
            EventEnvelope.wrap(
                event, source=SCHEMA, aggregate_id=str(unit.id), request_id=work.request_id
            )
        ],
    )
    await work.audit("unit.registered", "unit", unit.id)
    return UnitOut.model_validate(unit, from_attributes=True)


async def list_units(
    session: AsyncSession,
    filters: dict[str, str | None],
    sort: SortKey | None,
    limit: int,
    offset: int,
) -> Page[UnitOut]:
    """Units by name prefix, credit code and status, a page at a time."""
    code = (filters.get("credit_code") or "").strip().upper() or None
    rows, total = await repository.search(
        session,
        name=(filters.get("name") or "").strip() or None,
        credit_code=code,
        status=filters.get("status"),
        sort=sort,
        limit=limit,
        offset=offset,
    )
    items = [UnitOut.model_validate(r, from_attributes=True) for r in rows]
    return Page[UnitOut](items=items, total=total, limit=limit, offset=offset)


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> UnitOut:
    """One unit, or 404."""
    unit = await repository.get(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(unit_id))
    return UnitOut.model_validate(unit, from_attributes=True)


async def update_unit(work: Work, unit_id: uuid.UUID, body: UnitUpdate) -> UnitOut:
    """Change a unit's details, keep an audit row, and announce what changed."""
    unit = await _open_unit(work.session, unit_id)
    wanted = body.model_dump(exclude_unset=True, exclude={"reason"}, mode="json")
    # A date sent as the ISO text it already has is no change (changed_fields compares both).
    diff = changed_fields(unit, wanted, wanted)
    changes = {k: wanted[k] for k in diff}
    if not changes:
        return UnitOut.model_validate(unit, from_attributes=True)
    audit = {k: {"from": getattr(unit, k), "to": v} for k, v in changes.items()}
    for field, value in changes.items():
        setattr(unit, field, value)
    work.session.add(unit)
    await repository.add_change(
        work.session,
        UnitChange(
            unit_id=unit.id, changes=audit, reason=body.reason, changed_by=work.actor.subject
        ),
    )
    await stage_events(
        work.session,
        SCHEMA,
        [
            EventEnvelope.wrap(
                UnitUpdated(unit_id=unit.id, changes=changes),
                source=SCHEMA,
                aggregate_id=str(unit.id),
                request_id=work.request_id,
            )
        ],
    )
    await work.audit("unit.updated", "unit", unit.id, detail=_reason(body.reason), changes=diff)
    return UnitOut.model_validate(unit, from_attributes=True)


async def close_unit(work: Work, unit_id: uuid.UUID, body: UnitClose) -> UnitOut:
    """Close a unit once nobody is insured under it."""
    unit = await _open_unit(work.session, unit_id)
    insured = await repository.count_insured(work.session, unit.id)
    if insured:
        raise ProblemError(
            409,
            "unit_has_insured_persons",
            insured=insured,
            **unit_named(unit),
        )
    if body.closed_on < unit.registered_on:
        raise ProblemError(
            422,
            "closed_before_registered",
            field="closed_on",
            registered_on=unit.registered_on.isoformat(),
        )
    unit.status, unit.closed_on, unit.close_reason = "closed", body.closed_on, body.reason
    work.session.add(unit)
    await repository.add_change(
        work.session,
        UnitChange(
            unit_id=unit.id,
            changes={"status": {"from": "active", "to": "closed"}},
            reason=body.reason,
            changed_by=work.actor.subject,
        ),
    )
    await stage_events(
        work.session,
        SCHEMA,
        [
            EventEnvelope.wrap(
                UnitClosed(unit_id=unit.id, closed_on=body.closed_on, reason=body.reason),
                source=SCHEMA,
                aggregate_id=str(unit.id),
                request_id=work.request_id,
            )
        ],
    )
    await work.audit(
        "unit.closed",
        "unit",
        unit.id,
        detail=_reason(body.reason),
        changes={"status": {"before": "active", "after": "closed"}},
    )
    return UnitOut.model_validate(unit, from_attributes=True)


async def _open_unit(session: AsyncSession, unit_id: uuid.UUID) -> Unit:
    unit = await repository.lock(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(unit_id))
    if unit.status == "closed":
        raise ProblemError(409, "unit_closed", **unit_named(unit))
    return unit


def _reason(reason: str | None) -> dict[str, str] | None:
    return {"reason": reason} if reason else None
