"""Request dependencies that own the transaction boundary, so routes read parse → service → return.

- `WriteSession`: one transaction per request; it commits when the route returns and rolls
  back when anything raises. The commit happens before the answer is sent (dependency scope
  "function"), so a failed commit is an error answer, never a 201 for nothing.
- `ReadSession`: for GETs; an autocommit session from a pool without pre-ping, so a read costs
  no BEGIN, ROLLBACK or ping round trip. Lists (a `Page` answer, and their downloads) read the
  standby when PENSION_DATABASE_READ_URL names one, the primary while it is down; every other
  GET reads the primary (services/README.md, "Reads from the standby").
- `PrimaryReadSession`: a list that must show the caller's own write at once (jobs).
- `ReadConnection`: for the hottest GETs (lookups at the counter); a bare pooled asyncpg
  connection, whose repository functions write their SQL for asyncpg. It costs about what a
  bare fetch costs; the SQLAlchemy layers cost 2-3 times that.
- `Idempotent`: for POSTs that move money or create things; the `Idempotency-Key` header is
  required on a POST (428 `idempotency_key_required` without it: issue #17 found counter receipts
  posted without one recorded four times), and a retried request with the same key and body
  gets the first answer, in the same transaction as the change. Keys are the caller's own.
"""

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable
from decimal import Decimal
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.standby import StandbyReads
from shared.http.auth import Principal, principal_of
from shared.http.idempotency import (
    IdempotencyKey,
    StoredResponse,
    claim_key,
    request_fingerprint,
    store_response,
)
from shared.http.observability import request_id_of
from shared.http.pagination import Page
from shared.problems import ProblemError


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction for the request: commit on success, roll back on error."""
    async with request.app.state.sessions() as session, session.begin():
        yield session


def lag_tolerant(request: Request) -> bool:
    """A GET answering a list may read a standby a moment behind; nothing else may."""
    model = getattr(request.scope.get("route"), "response_model", None)
    return request.method == "GET" and isinstance(model, type) and issubclass(model, Page)


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session: autocommit, no transaction to begin or roll back."""
    standby: StandbyReads | None = getattr(request.app.state, "standby", None)
    if standby is not None and lag_tolerant(request):
        session = await standby.session()
        if session is not None:
            async with session:
                yield session
            return
    async with request.app.state.read_sessions() as session:
        yield session


async def _primary_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session on the primary, whatever the route answers."""
    async with request.app.state.read_sessions() as session:
        yield session


async def _read_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A pooled asyncpg connection for hot reads: no ORM, no session, no transaction."""
    async with request.app.state.read_pool.acquire() as connection:
        yield connection


WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]
PrimaryReadSession = Annotated[AsyncSession, Depends(_primary_read_session, scope="function")]
ReadConnection = Annotated[asyncpg.Connection, Depends(_read_connection, scope="function")]
# A read session that lives until the answer has been sent (FastAPI's "request" scope), for
# answers streamed from the database while they are being sent (large files).
StreamingReadSession = Annotated[AsyncSession, Depends(_read_session, scope="request")]


def encode_answer(result: Any) -> Any:
    """JSON-ready answer; bare Decimals travel as exact strings, never floats."""
    return jsonable_encoder(result, custom_encoder={Decimal: lambda d: format(d, "f")})


class IdempotentRequest:
    """The Idempotency-Key of one request, claimed in the request's transaction."""

    def __init__(
        self,
        session: AsyncSession,
        schema: str,
        scope: str,
        key: str | None,
        stored: StoredResponse | None,
        request_id: str | None,
    ) -> None:
        self.session = session
        self.schema = schema
        self.scope = scope
        self.key = key
        self.stored = stored
        self.request_id = request_id

    async def answer(self, action: Awaitable[Any], status: int = 201) -> JSONResponse:
        """The stored answer for a repeated key, or the action's answer stored under the key."""
        if self.stored is not None:
            close = getattr(action, "close", None)
            if close is not None:
                close()  # the coroutine never runs: nothing happens twice
            return JSONResponse(
                self.stored.body,
                status_code=self.stored.status,
                headers={"Idempotent-Replayed": "true"},
            )
        body = encode_answer(await action)
        if self.key:
            await store_response(self.session, self.schema, self.scope, self.key, status, body)
        return JSONResponse(body, status_code=status)


async def _body_meaning(request: Request) -> Any:
    """What the body says, for the fingerprint: JSON as parsed, forms field by field.

    FastAPI has already read a form (the stream is consumed), so forms come from its cache;
    an uploaded file counts by the hash of its content.
    """
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        fields: list[tuple[str, str]] = []
        for name, value in (await request.form()).multi_items():
            if isinstance(value, str):
                fields.append((name, value))
            else:
                content = await value.read()
                await value.seek(0)  # the route reads the file after us
                fields.append((name, hashlib.sha256(content).hexdigest()))
        return sorted(fields)
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return hashlib.sha256(raw).hexdigest()


async def _idempotent(
    request: Request, session: WriteSession, idempotency_key: IdempotencyKey = None
) -> IdempotentRequest:
    """Claim the request's key before the route runs; a request without one is refused."""
    schema: str = request.app.state.schema
    principal: Principal = principal_of(request)
    if not idempotency_key and request.method == "POST":
        raise ProblemError(428, "idempotency_key_required")
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    # The key is the caller's: the same key from two users are two requests.
    scope = f"{request.method} {path}:{principal.subject}"
    stored = None
    if idempotency_key:  # a PUT (idempotent by itself) may still go without one
        meaning = {"path": request.url.path, "query": str(request.query_params)}
        fingerprint = request_fingerprint(meaning | {"body": await _body_meaning(request)})
        stored = await claim_key(session, schema, scope, idempotency_key, fingerprint)
    return IdempotentRequest(
        session, schema, scope, idempotency_key, stored, request_id_of(request)
    )


Idempotent = Annotated[IdempotentRequest, Depends(_idempotent, scope="function")]
