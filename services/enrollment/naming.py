"""How a message names a unit or a person: by name and number, never by UUID."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Person, Unit
from shared.http.masking import shown
from shared.redaction import FieldKind


def unit_named(unit: Unit | None) -> dict[str, str]:
    """The unit's name and credit code, as message parameters."""
    if unit is None:
        return {"unit_name": "", "credit_code": ""}
    return {"unit_name": unit.name, "credit_code": unit.credit_code}


async def unit_named_by_id(session: AsyncSession, unit_id: uuid.UUID) -> dict[str, str]:
    """The name and credit code of the unit with this id."""
    return unit_named(await session.get(Unit, unit_id))


def person_named(person: Person) -> dict[str, str]:
    """The person's name and citizen id (masked unless the caller sees full ids)."""
    return {
        "person_name": person.name,
        "citizen_id": str(shown(FieldKind.citizen_id, person.citizen_id)),
    }
