"""The append-only audit log every service keeps in its own schema: who did what, when, to what.

One definition: `audit_log_table` is the table the migrations create (`create_audit_log_v1`)
and the one `record_audit` writes; a database trigger refuses UPDATE and DELETE, so history
cannot be rewritten even by a bug.
"""

from decimal import Decimal
from functools import cache
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    MetaData,
    Table,
    Text,
    func,
    insert,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel.ext.asyncio.session import AsyncSession


@cache
def audit_log_table(schema: str) -> Table:
    """The audit log table of one service schema."""
    return Table(
        "audit_log",
        MetaData(schema=schema),
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor", Text, nullable=False),
        Column("roles", ARRAY(Text), nullable=False),
        Column("action", Text, nullable=False),
        Column("object_type", Text, nullable=False),
        Column("object_id", Text, nullable=False),
        Column("request_id", Text),
        Column("detail", JSONB),
        Index("audit_log_object", "object_type", "object_id", "id"),
        Index("audit_log_actor", "actor", "id"),
    )


def create_audit_log_v1(op: Any, schema: str) -> None:
    """Migration step: create the audit log from its one definition, append-only by trigger."""
    audit_log_table(schema).create(op.get_bind())
    q = f'"{schema}"'
    op.execute(f"""
        CREATE FUNCTION {q}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""")
    op.execute(f"""
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON {q}.audit_log
        FOR EACH ROW EXECUTE FUNCTION {q}.audit_log_append_only()""")


async def record_audit(
    session: AsyncSession,
    schema: str,
    *,
    actor: str,
    roles: frozenset[str] | list[str] | tuple[str, ...],
    action: str,
    object_type: str,
    object_id: Any,
    request_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction: it exists exactly when the change does."""
    await session.exec(
        insert(audit_log_table(schema)).values(
            actor=actor,
            roles=sorted(roles),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            request_id=request_id,
            # Amounts stay exact strings in the log, as everywhere in JSON.
            detail=jsonable_encoder(detail, custom_encoder={Decimal: lambda d: format(d, "f")}),
        )
    )
