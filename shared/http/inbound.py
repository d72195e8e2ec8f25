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

from shared.http.errors import localized_problem, validation_errors
from shared.http.idempotency import request_fingerprint
from shared.problems import ProblemError

# A batch is answered within the gateway's upstream timeout even when every item is costly
# (a schemathesis run found 10,000 refused items took over 10 s): larger sets come as more
# batches.
MAX_BATCH_ITEMS = 1_000


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
    *,
    savepoints: bool = True,
) -> InboundBatchResult:
    """Apply each item, in its own savepoint; the batch's transaction holds the good ones.

    Message ids are claimed, looked up and answered set-wise (a few statements a batch, not
    a few an item). `savepoints=False` is for an `apply_one` that refuses (raises
    ProblemError) before it writes anything: it spares two statements an item.
    """
    parsed: list[tuple[T | None, str | None, Any]] = []
    for index, raw in enumerate(batch.items):
        message_id = raw.get("message_id") if isinstance(raw, dict) else None
        message_id = message_id if isinstance(message_id, str) else None
        try:
            parsed.append((model.model_validate(raw), message_id, raw))
        except ValidationError as exc:
            parsed.append((None, message_id, _invalid(exc, index, scope)))
    q = f'"{schema}"'
    first_fp: dict[str, str] = {}
    for item, _, raw in parsed:
        if item is not None and item.message_id not in first_fp:
            first_fp[item.message_id] = request_fingerprint(raw)
    claimed = await _claim(session, q, kind, first_fp)
    stored = await _stored(session, q, kind, [m for m in first_fp if m not in claimed])
    # Claimed ids as this batch leaves them: the first outcome, or None while refused.
    done: dict[str, tuple[str, InboundItemResult | None]] = {}
    results = []
    for index, (item, message_id, raw) in enumerate(parsed):
        if item is None:
            results.append(_refused(index, message_id, raw))
            continue
        message_id, fingerprint = item.message_id, request_fingerprint(raw)
        earlier = stored.get(message_id) or done.get(message_id)
        if earlier is not None and earlier[1] is not None:
            results.append(_replay(scope, index, message_id, fingerprint, *earlier))
            continue
        try:
            if savepoints:
                async with session.begin_nested():
                    outcome = await apply_one(item)
            else:
                outcome = await apply_one(item)
        except ProblemError as exc:
            done[message_id] = (fingerprint, None)
            results.append(_refused(index, message_id, _problem(scope, exc)))
            continue
        result = InboundItemResult(
            index=index,
            message_id=message_id,
            result=outcome.result,
            record_id=outcome.record_id,
            detail=outcome.detail,
        )
        done[message_id] = (fingerprint, result)
        results.append(result)
    await _keep(session, q, kind, done)
    counts = {r: sum(1 for x in results if x.result == r) for r in InboundResult}
    return InboundBatchResult(items=results, **{str(r): n for r, n in counts.items()})


async def _claim(session: AsyncSession, q: str, kind: str, fps: dict[str, str]) -> set[str]:
    """Claim the batch's new message ids at once; the ids claimed (others were sent before,
    or by a concurrent batch, which this waits for)."""
    if not fps:
        return set()
    rows = await session.exec(
        text(
            f"INSERT INTO {q}.inbound_message (kind, message_id, fingerprint) "
            "SELECT :kind, m, f FROM unnest(CAST(:ids AS text[]), CAST(:fps AS text[])) AS v(m, f) "
            "ON CONFLICT DO NOTHING RETURNING message_id"
        ),
        params={"kind": kind, "ids": list(fps), "fps": list(fps.values())},
    )
    return {r[0] for r in rows.all()}


async def _stored(
    session: AsyncSession, q: str, kind: str, ids: list[str]
) -> dict[str, tuple[str, InboundItemResult | None]]:
    """The fingerprint and first outcome of messages received before."""
    if not ids:
        return {}
    rows = await session.exec(
        text(
            f"SELECT message_id, fingerprint, outcome::text FROM {q}.inbound_message "
            "WHERE kind = :kind AND message_id = ANY(CAST(:ids AS text[]))"
        ),
        params={"kind": kind, "ids": ids},
    )
    return {
        r[0]: (r[1], InboundItemResult.model_validate_json(r[2]) if r[2] else None)
        for r in rows.all()
    }


async def _keep(
    session: AsyncSession, q: str, kind: str, done: dict[str, tuple[str, InboundItemResult | None]]
) -> None:
    """Store each claimed message's outcome; a refused one keeps nothing (not even its id)."""
    kept = {m: v for m, v in done.items() if v[1] is not None}
    if kept:
        await session.exec(
            text(
                f"UPDATE {q}.inbound_message AS m SET fingerprint = v.f, "
                "outcome = CAST(v.o AS jsonb) "
                "FROM unnest(CAST(:ids AS text[]), CAST(:fps AS text[]), CAST(:outs AS text[])) "
                "AS v(id, f, o) WHERE m.kind = :kind AND m.message_id = v.id"
            ),
            params={
                "kind": kind,
                "ids": list(kept),
                "fps": [f for f, _ in kept.values()],
                "outs": [r.model_dump_json() for _, r in kept.values() if r is not None],
            },
        )
    dropped = [m for m, v in done.items() if v[1] is None]
    if dropped:
        await session.exec(
            text(
                f"DELETE FROM {q}.inbound_message "
                "WHERE kind = :kind AND message_id = ANY(CAST(:ids AS text[]))"
            ),
            params={"kind": kind, "ids": dropped},
        )


def _replay(
    scope: Scope,
    index: int,
    message_id: str,
    fingerprint: str,
    first_fingerprint: str,
    first: InboundItemResult | None,
) -> InboundItemResult:
    """The first outcome of a message received before, or a refusal if its content differs."""
    assert first is not None
    if first_fingerprint != fingerprint:
        exc = ProblemError(409, "message_id_reused", field="message_id", message_id=message_id)
        return _refused(index, message_id, _problem(scope, exc))
    return first.model_copy(update={"index": index, "result": InboundResult.duplicate})


def _problem(scope: Scope, exc: ProblemError) -> dict[str, Any]:
    return localized_problem(
        scope, exc.status, exc.code, message=exc.message, legacy_detail=exc.detail, **exc.extra
    )


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
