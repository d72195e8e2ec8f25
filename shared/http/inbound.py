"""Batches the provincial platform sends in: each item idempotent by its message id, each
refused on its own with a problem that says what is wrong while the good items apply.

A route takes `InboundBatch[ItemModel]` (items are validated one by one here, so one bad item
does not refuse the batch) and calls `apply_batch` with the function that applies one item.
An item's message id is claimed in `inbound_message` inside the item's savepoint: a replay
(same id, same content) answers the first outcome and changes nothing; the same id with other
content is refused; a refused item keeps nothing, so a corrected resend may reuse its id.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, SkipValidation, ValidationError
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import Scope

from shared.http.errors import ProblemError, localized_problem, validation_errors
from shared.http.idempotency import request_fingerprint

MAX_BATCH_ITEMS = 10_000


class InboundItem(BaseModel):
    """What every item carries: the province's id for the message (its idempotency key)."""

    message_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")


T = TypeVar("T", bound=InboundItem)


class InboundResult(StrEnum):
    """What became of one item."""

    applied = "applied"  # the change was made
    queued = "queued"  # kept on a list for a clerk to resolve
    duplicate = "duplicate"  # received before: the first outcome, nothing changed
    refused = "refused"  # bad: nothing changed, see the problem


class InboundBatch(BaseModel, Generic[T]):
    """A batch from the province: its items, each with its own `message_id`."""

    items: list[SkipValidation[T]] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class InboundItemResult(BaseModel):
    """The outcome of one item of a batch."""

    index: int = Field(description="The item's place in the batch, from 0.")
    message_id: str | None
    result: InboundResult
    record_id: str | None = Field(None, description="What the item created or changed.")
    detail: str | None = None
    problem: dict[str, Any] | None = Field(None, description="problem+json of a refused item.")


class InboundBatchResult(BaseModel):
    """The outcome of every item, and the counts."""

    items: list[InboundItemResult]
    applied: int
    queued: int
    duplicate: int
    refused: int


@dataclass(frozen=True)
class Outcome:
    """What applying one item did: applied or queued, what it touched, a short detail."""

    result: InboundResult
    record_id: str | None = None
    detail: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Apply = Callable[[T], Awaitable[Outcome]]


async def apply_batch(
    session: AsyncSession,
    schema: str,
    kind: str,
    batch: InboundBatch[T],
    model: type[T],
    apply_one: Apply[T],
    scope: Scope,
) -> InboundBatchResult:
    """Apply each item in its own savepoint; the batch's transaction holds the good ones."""
    results = []
    for index, raw in enumerate(batch.items):
        results.append(await _one(session, schema, kind, index, raw, model, apply_one, scope))
    counts = {r: sum(1 for x in results if x.result == r) for r in InboundResult}
    return InboundBatchResult(items=results, **{str(r): n for r, n in counts.items()})


async def _one(
    session: AsyncSession,
    schema: str,
    kind: str,
    index: int,
    raw: Any,
    model: type[T],
    apply_one: Apply[T],
    scope: Scope,
) -> InboundItemResult:
    message_id = raw.get("message_id") if isinstance(raw, dict) else None
    message_id = message_id if isinstance(message_id, str) else None
    try:
        item = model.model_validate(raw)
    except ValidationError as exc:
        return _refused(index, message_id, _invalid(exc, index, scope))
    message_id = item.message_id
    fingerprint = request_fingerprint(raw)
    q = f'"{schema}"'
    try:
        async with session.begin_nested():
            claimed = await session.exec(
                text(
                    f"INSERT INTO {q}.inbound_message (kind, message_id, fingerprint) "
                    "VALUES (:kind, :id, :fp) ON CONFLICT DO NOTHING RETURNING 1"
                ),
                params={"kind": kind, "id": message_id, "fp": fingerprint},
            )
            if claimed.first() is None:
                return await _replayed(session, q, kind, index, message_id, fingerprint)
            outcome = await apply_one(item)
            result = InboundItemResult(
                index=index,
                message_id=message_id,
                result=outcome.result,
                record_id=outcome.record_id,
                detail=outcome.detail,
            )
            await session.exec(
                text(
                    f"UPDATE {q}.inbound_message SET outcome = CAST(:outcome AS jsonb) "
                    "WHERE kind = :kind AND message_id = :id"
                ),
                params={"kind": kind, "id": message_id, "outcome": result.model_dump_json()},
            )
            return result
    except ProblemError as exc:
        body = localized_problem(
            scope, exc.status, exc.code, message=exc.message, legacy_detail=exc.detail, **exc.extra
        )
        return _refused(index, message_id, body)


async def _replayed(
    session: AsyncSession, q: str, kind: str, index: int, message_id: str, fingerprint: str
) -> InboundItemResult:
    """The first outcome of a message received before, or a refusal if its content differs."""
    stored = (
        await session.exec(
            text(
                f"SELECT fingerprint, outcome::text FROM {q}.inbound_message "
                "WHERE kind = :kind AND message_id = :id"
            ),
            params={"kind": kind, "id": message_id},
        )
    ).one()
    if stored[0] != fingerprint:
        raise ProblemError(409, "message_id_reused", field="message_id", message_id=message_id)
    first = InboundItemResult.model_validate_json(stored[1])
    return first.model_copy(update={"index": index, "result": InboundResult.duplicate})


def _invalid(exc: ValidationError, index: int, scope: Scope) -> dict[str, Any]:
    """The problem of an item that does not parse, its fields named inside the batch."""
    errors = [
        {**e, "loc": ("items", index, *e.get("loc", ()))} for e in exc.errors(include_url=False)
    ]
    translated = validation_errors(RequestValidationError(errors), scope)
    fields = ", ".join(sorted({e["field"] for e in translated}))
    return localized_problem(scope, 422, "validation_failed", fields=fields, errors=translated)


def _refused(index: int, message_id: str | None, problem: dict[str, Any]) -> InboundItemResult:
    return InboundItemResult(
        index=index,
        message_id=message_id,
        result=InboundResult.refused,
        detail=problem.get("detail"),
        problem=problem,
    )
