"""The accounts.credited events for settled plans, built straight as JSON-ready payloads.

One event per settled plan (a unit's month), split every 1,000 persons: a unit's month is
what enrollment applies in one transaction. Payloads are built as plain dicts because a
large settlement produces tens of thousands of lines, and one pydantic model per line
cost more than the rest of the settlement; a test checks them against the contract.
"""

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.config import SCHEMA
from services.contribution.domain.periods import format_period
from services.contribution.parameters.repository import in_force
from services.contribution.settlement import repository
from shared.contracts import AccountsCredited, EventEnvelope

LINES_PER_EVENT = 1000  # keeps a message far below NATS's 1 MB default payload limit
INDEX_PLACES = Decimal("0.0001")
MAX_INDEX = Decimal(10)


def credit_line(line, average_wage: Decimal) -> dict[str, str]:
    """Individual 8% to the basic account; the annuity split by the unit's funding type."""
    index = min(
        (line.base / average_wage).quantize(INDEX_PLACES, rounding=ROUND_HALF_UP), MAX_INDEX
    )
    return {
        "person_id": str(line.person_id),
        "basic": format(line.basic_individual, "f"),
        "annuity_funded": format(line.annuity_individual + line.annuity_unit, "f"),
        "annuity_notional": format(line.annuity_unit_notional, "f"),
        "contribution_base": format(line.base, "f"),
        "contribution_index": format(index, "f"),
    }


async def credit_events(
    session: AsyncSession, plan_ids: list[uuid.UUID], request_id: str | None
) -> list[EventEnvelope]:
    """accounts.credited events for these settled plans."""
    if not plan_ids:
        return []
    wages: dict[int, Decimal] = {}
    events = []
    lines = await repository.settled_lines(session, plan_ids)
    for plan_id, group in groupby(lines, key=lambda line: line.plan_id):
        plan_lines = list(group)
        first = plan_lines[0]
        year = first.period.year
        if year not in wages:
            found = await in_force(session, ["average_monthly_wage"], date(year, 1, 1))
            wages[year] = Decimal(found["average_monthly_wage"].value)
        for start in range(0, len(plan_lines), LINES_PER_EVENT):
            chunk = plan_lines[start : start + LINES_PER_EVENT]
            events.append(
                EventEnvelope(
                    type=AccountsCredited.event_type(),
                    version=AccountsCredited.VERSION,
                    source=SCHEMA,
                    aggregate_id=f"{plan_id}:{start // LINES_PER_EVENT}",
                    request_id=request_id,
                    payload={
                        "unit_id": str(first.unit_id),
                        "period": format_period(first.period),
                        "credited_on": first.settled_on.isoformat(),
                        "lines": [credit_line(line, wages[year]) for line in chunk],
                    },
                )
            )
    return events
