"""SQL for the rights record."""

import uuid
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Account, Posting


async def postings_until(
    session: AsyncSession, person_id: uuid.UUID, until: date
) -> list[tuple[str, Posting]]:
    """Every posting of the person's accounts up to a date, with the account kind."""
    rows = await session.exec(
        select(Account.kind, Posting)
        .join(Posting, Posting.account_id == Account.id)
        .where(Account.person_id == person_id, Posting.value_date <= until)
        .order_by(Posting.value_date, Posting.id)
    )
    return [(kind, posting) for kind, posting in rows.all()]
