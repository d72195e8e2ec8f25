"""Idempotency keys: a retried POST returns the first answer; another body is refused."""

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.platform_tables import platform_tables
from shared.problems import ProblemError

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description=(
            "Required (428 without it): a new value per request; a retry with the same key "
            "and body returns the first answer."
        ),
    ),
]


@dataclass(frozen=True)
class StoredResponse:
    """The first answer given under a key."""

    status: int
    body: Any


def request_fingerprint(body: Any) -> str:
    """A stable hash of a request body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim_key(
    session: AsyncSession, schema: str, scope: str, key: str, fingerprint: str
) -> StoredResponse | None:
    """Claim the key in this transaction, or return the answer stored under it.

    A concurrent request with the same key waits on the row lock until the first
    transaction ends, then sees its stored answer (or claims the key if it rolled back).
    """
    table = platform_tables(schema).idempotency_key
    claimed = await session.exec(
        pg_insert(table)
        .values(scope=scope, key=key, request_hash=fingerprint)
        .on_conflict_do_nothing()
        .returning(table.c.key)
    )
    if claimed.first() is not None:
        return None
    row = (
        (await session.exec(select(table).where(table.c.scope == scope, table.c.key == key)))
        .mappings()
        .one()
    )
    if row["request_hash"] != fingerprint:
        raise ProblemError(422, "idempotency_key_reused")
    return StoredResponse(status=row["response_status"], body=row["response_body"])


async def store_response(
    session: AsyncSession, schema: str, scope: str, key: str, status: int, body: Any
) -> None:
    """Record the answer for a claimed key, in the same transaction as the change."""
    table = platform_tables(schema).idempotency_key
    await session.exec(
        update(table)
        .where(table.c.scope == scope, table.c.key == key)
        .values(response_status=status, response_body=body)
    )
