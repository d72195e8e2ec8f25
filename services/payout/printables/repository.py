"""SQL of the payout printables."""

import uuid

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession


async def year_lines(session: AsyncSession, person_id: uuid.UUID, year: int) -> list[dict]:
    """A person's payment lines for the months of a year, oldest month first: gross, tax,
    offset and net (what the bank pays, as in banking/repository.py)."""
    rows = await session.exec(
        text("""
            SELECT p.period, p.program, p.amount AS gross, p.tax_withheld,
                   p.offset_amount AS offset_withheld,
                   p.amount - p.tax_withheld - p.offset_amount AS net, p.status
            FROM payout.payment p
            WHERE p.person_id = :person
              AND p.period >= make_date(:year, 1, 1) AND p.period < make_date(:year + 1, 1, 1)
            ORDER BY p.period, p.program, p.created_at""").bindparams(person=person_id, year=year)
    )
    return [dict(r._mapping) for r in rows.all()]
