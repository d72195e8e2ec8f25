"""SQL for policy parameters: the version in force on a date is the newest approved one
effective then."""

from datetime import UTC, date, datetime

from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import Parameter
from shared.problems import ProblemError


async def in_force(session: AsyncSession, names: list[str], on: date) -> dict[str, Parameter]:
    """The approved version of each parameter in force on a date; a missing one is a 409."""
    rows = await session.exec(
        select(Parameter)
        .where(
            Parameter.name.in_(names),
            Parameter.effective_from <= on,
            Parameter.status == "approved",
        )
        .ext(distinct_on(Parameter.name))
        .order_by(Parameter.name, Parameter.effective_from.desc(), Parameter.id.desc())
    )
    found = {p.name: p for p in rows.all()}
    missing = [n for n in names if n not in found]
    if missing:
        raise ProblemError(
            409,
            "parameter_missing",
            shown="、".join(missing),
            on=str(on),
            parameters=missing,
        )
    return found


async def versions(session: AsyncSession, name: str | None) -> list[Parameter]:
    """Every recorded version, by name then effective date."""
    query = select(Parameter)
    if name:
        query = query.where(Parameter.name == name)
    rows = await session.exec(
        query.order_by(Parameter.name, Parameter.effective_from, Parameter.id)
    )
    return list(rows.all())


async def get(session: AsyncSession, parameter_id: int, *, lock: bool) -> Parameter | None:
    """One version, locked for a decision if asked."""
    query = select(Parameter).where(Parameter.id == parameter_id)
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def decide(
    session: AsyncSession, parameter: Parameter, status: str, who: str, note: str | None
) -> Parameter:
    """Record the decision on a submitted version."""
    parameter.status, parameter.decided_by, parameter.decision_note = status, who, note
    parameter.decided_at = datetime.now(UTC)
    return await add(session, parameter)


async def add(session: AsyncSession, parameter: Parameter) -> Parameter:
    """Record a new version."""
    session.add(parameter)
    await session.flush()
    await session.refresh(parameter)
    return parameter
