"""Contribution's entries in the append-only audit log (shared/data/audit.py)."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.config import SCHEMA
from shared.data.audit import record_audit
from shared.http.auth import Principal


async def record(
    session: AsyncSession,
    who: Principal,
    request_id: str | None,
    action: str,
    object_type: str,
    object_id: object,
    **detail: object,
) -> None:
    """Log a state change by this caller, in the transaction that makes it."""
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action=action,
        object_type=object_type,
        object_id=object_id,
        request_id=request_id,
        detail=detail or None,
    )
