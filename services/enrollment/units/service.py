"""Registering and reading employer units."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.models import Unit
from services.enrollment.units import repository
from services.enrollment.units.schemas import UnitCreate, UnitOut
from shared.auth import Principal
from shared.contracts import EventEnvelope, UnitRegistered
from shared.errors import ProblemError
from shared.ids import uscc_kind
from shared.outbox import stage_events


async def register_unit(
    session: AsyncSession, body: UnitCreate, who: Principal, request_id: str | None
) -> UnitOut:
    """Register a unit and announce it."""
    if body.code_check_override_reason is not None and "admin" not in who.roles:
        raise ProblemError(
            403,
            "code_override_forbidden",
            "Only an admin may accept a credit code that fails its check.",
        )
    existing = await repository.get_by_credit_code(session, body.credit_code)
    if existing is not None:
        raise ProblemError(
            409,
            "unit_already_registered",
            f"A unit with credit code {body.credit_code} is already registered.",
            unit_id=str(existing.id),
        )
    unit = Unit(
        credit_code=body.credit_code,
        name=body.name,
        kind=uscc_kind(body.credit_code) or "other",
        funding_type=body.funding_type.value,
        registered_on=body.registered_on or date.today(),
        code_check_override_reason=body.code_check_override_reason,
        code_check_overridden_by=who.subject if body.code_check_override_reason else None,
        created_by=who.subject,
    )
    await repository.add(session, unit)
    event = UnitRegistered(
        unit_id=unit.id,
        credit_code=unit.credit_code,
        name=unit.name,
        kind=unit.kind,
        funding_type=unit.funding_type,
        registered_on=unit.registered_on,
    )
    await stage_events(
        session,
        SCHEMA,
        [
            EventEnvelope.wrap(
                event, source=SCHEMA, aggregate_id=str(unit.id), request_id=request_id
            )
        ],
    )
    return UnitOut.model_validate(unit, from_attributes=True)


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> UnitOut:
    """One unit, or 404."""
    unit = await repository.get(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", f"No unit {unit_id}.")
    return UnitOut.model_validate(unit, from_attributes=True)
