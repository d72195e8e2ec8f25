"""The append-only audit log every service keeps in its own schema: who did what, when, to what.

One definition: `audit_log_table` is the table the migrations create (`create_audit_log_v1`)
and the one `record_audit` writes; a database trigger refuses UPDATE and DELETE, so history
cannot be rewritten even by a bug.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
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
    changes: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Append one entry in the caller's transaction: it exists exactly when the change does.

    `changes` (what `changed_fields` gives) is kept in the detail under "changes".
    """
    await session.exec(
        insert(audit_log_table(schema)).values(
            audit_row(
                actor=actor,
                roles=roles,
                action=action,
                object_type=object_type,
                object_id=object_id,
                request_id=request_id,
                detail=detail,
                changes=changes,
            )
        )
    )


def audit_row(
    *,
    actor: str,
    roles: Iterable[str],
    action: str,
    object_type: str,
    object_id: Any,
    request_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The column values of one entry (for `record_audit` and bulk writes)."""
    if changes:
        detail = {**(detail or {}), "changes": changes}
    return {
        "actor": actor,
        "roles": sorted(roles),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "request_id": request_id,
        "detail": _json(detail) if detail else None,
    }


async def record_audits(session: AsyncSession, schema: str, rows: Sequence[dict[str, Any]]) -> None:
    """Append many entries (rows from `audit_row`) in one statement, in the caller's
    transaction: a 10,000-person import writes its 10,000 entries in one round trip."""
    if rows:
        await session.exec(insert(audit_log_table(schema)), params=list(rows))


def changed_fields(
    before: Mapping[str, Any] | object,
    after: Mapping[str, Any] | object,
    fields: Iterable[str],
) -> dict[str, dict[str, Any]]:
    """{"field": {"before": x, "after": y}} for the fields whose values differ.

    Either side is a mapping or an object with attributes (a model row); a field it lacks is
    None. Values that are equal (Decimal("1.0") and Decimal("1.00")) or that read the same in
    JSON (a date and its ISO text, a Decimal and its exact string) are no change.
    """
    changed: dict[str, dict[str, Any]] = {}
    for field in fields:
        old, new = _value(before, field), _value(after, field)
        if old == new:
            continue
        old, new = _json(old), _json(new)
        if old != new:
            changed[field] = {"before": old, "after": new}
    return changed


def _value(source: Mapping[str, Any] | object, field: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(field)
    return getattr(source, field, None)


def _json(value: Any) -> Any:
    """JSON-ready: amounts stay exact strings in the log, as everywhere in JSON."""
    return jsonable_encoder(
        value,
        custom_encoder={
            Decimal: lambda d: format(d, "f"),
            date: lambda d: d.isoformat(),
            Enum: lambda e: e.value,
        },
    )
