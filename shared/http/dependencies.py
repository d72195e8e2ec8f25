"""The two dependencies every route reaches the database through: `Write` and `Read`.

- `Write` (a `WriteContext`): one transaction per request, committed when the route returns
  and rolled back when anything raises. The commit happens before the answer is sent
  (dependency scope "function"), so a failed commit is an error answer, never a 201 for
  nothing. It carries the session, the caller (`who`), the request id and `audit(...)`, and
  the `Idempotency-Key` claim where a key is sent: `write.answer(coroutine)` replays the stored
  answer of a repeated key (the coroutine never runs) or runs it and stores its answer with
  the change. A route that moves money or creates things requires the key on POST
  (`dependencies=[KEY_REQUIRED]`: 428 `idempotency_key_required` without one; issue #17 found
  counter receipts posted without one recorded four times). Keys are the caller's own.
- `Read` (a `ReadContext`): for GETs; `read.session` is an autocommit session from a pool
  without pre-ping, so a read costs no BEGIN, ROLLBACK or ping round trip. Lists (a `Page`
  answer, and their downloads) read the standby when PENSION_DATABASE_READ_URL names one, the
  primary while it is down; every other GET reads the primary (services/README.md, "Reads
  from the standby"); `read.primary` is the primary for a list that must show the caller's
  own write at once (jobs). `await read.connection()` is a bare pooled asyncpg connection for
  the hottest lookups (the counter's person search, the province's feeds): it costs about
  what a bare fetch costs, the SQLAlchemy layers 2-3 times that. Whatever was opened lives
  until the answer has been sent (scope "request"), so a file streamed from the database
  reads through it too.
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
from shared.data.work import Work
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


def lag_tolerant(request: Request) -> bool:
    """A GET answering a list may read a standby a moment behind; nothing else may."""
    model = getattr(request.scope.get("route"), "response_model", None)
    return request.method == "GET" and isinstance(model, type) and issubclass(model, Page)


def encode_answer(result: Any) -> Any:
    """JSON-ready answer; bare Decimals travel as exact strings, never floats."""
    return jsonable_encoder(result, custom_encoder={Decimal: lambda d: format(d, "f")})


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


class WriteContext(Work):
    """A write request's unit of work: its transaction, caller, request id, audit entries and
    idempotency claim."""

    def __init__(
        self,
        session: AsyncSession,
        schema: str,
        who: Principal,
        request_id: str | None,
        scope: str,
        key: str | None,
        stored: StoredResponse | None,
    ) -> None:
        super().__init__(session, schema, who, request_id)
        self.who = who
        self.scope = scope
        self.key = key
        self.stored = stored

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


async def _write(
    request: Request, idempotency_key: IdempotencyKey = None
) -> AsyncIterator[WriteContext]:
    """The request's transaction, with the caller's key claimed in it before the route runs."""
    schema: str = request.app.state.schema
    who = principal_of(request)
    route = request.scope.get("route")
    # The key is the caller's: the same key from two users are two requests.
    scope = f"{request.method} {getattr(route, 'path', request.url.path)}:{who.subject}"
    async with request.app.state.sessions() as session, session.begin():
        stored = None
        if idempotency_key:
            meaning = {"path": request.url.path, "query": str(request.query_params)}
            fingerprint = request_fingerprint(meaning | {"body": await _body_meaning(request)})
            stored = await claim_key(session, schema, scope, idempotency_key, fingerprint)
        yield WriteContext(
            session, schema, who, request_id_of(request), scope, idempotency_key, stored
        )


async def _key_required(request: Request, idempotency_key: IdempotencyKey = None) -> None:
    """A POST that moves money or creates things is refused without an Idempotency-Key."""
    principal_of(request)  # an unauthenticated caller hears 401 first, as with Idempotent
    if not idempotency_key and request.method == "POST":
        raise ProblemError(428, "idempotency_key_required")


Write = Annotated[WriteContext, Depends(_write, scope="function")]
# On a route: `@router.post(..., dependencies=[KEY_REQUIRED])`.
KEY_REQUIRED = Depends(_key_required)


class ReadContext:
    """A read request's database access, opened on first use and closed once answered."""

    def __init__(self, request: Request, standby_session: AsyncSession | None) -> None:
        self._state = request.app.state
        self._standby_session = standby_session
        self._primary: AsyncSession | None = None
        self._connection: asyncpg.pool.PoolConnectionProxy | None = None

    @property
    def session(self) -> AsyncSession:
        """The standby for a lag-tolerant list when one is up, else the primary."""
        return self._standby_session or self.primary

    @property
    def primary(self) -> AsyncSession:
        """An autocommit session on the primary, whatever the route answers."""
        if self._primary is None:
            self._primary = self._state.read_sessions()
        return self._primary

    async def connection(self) -> asyncpg.Connection:
        """A pooled asyncpg connection on the primary: no ORM, no session, no transaction."""
        if self._connection is None:
            self._connection = await self._state.read_pool.acquire()
        return self._connection

    async def close(self) -> None:
        """Give back whatever was opened."""
        for session in (self._standby_session, self._primary):
            if session is not None:
                await session.close()
        if self._connection is not None:
            await self._state.read_pool.release(self._connection)


async def _read(request: Request) -> AsyncIterator[ReadContext]:
    """The request's read access; a lag-tolerant list asks the standby first."""
    standby: StandbyReads | None = getattr(request.app.state, "standby", None)
    standby_session = None
    if standby is not None and lag_tolerant(request):
        standby_session = await standby.session()
    read = ReadContext(request, standby_session)
    try:
        yield read
    finally:
        await read.close()


Read = Annotated[ReadContext, Depends(_read, scope="request")]
