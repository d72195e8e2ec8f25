"""HMAC-SHA256 request signatures for banks: per-bank secrets with rotation, no replays.

A bank signs what it asks for, not only what it sends (docs/banks.md has a worked example)::

    "v2\n" + timestamp + "\n" + METHOD + "\n" + path[?query] + "\n" + raw body

with one of its current secrets and sends ``X-Bank-Id``, ``X-Timestamp`` (unix seconds) and
``X-Signature`` (hex digest). The path is the one the bank requests, exactly as sent
(percent-encoded, e.g. ``/v1/payout/bank/psbc/batches/7/totals``), so a signed post for one
batch does not fit another. Version 1 (timestamp and body only) is accepted only while
``PENSION_BANK_SIGNATURE_V1_UNTIL`` says so (a transition), and logged.

`bank_checks(schema, secrets)` gives a service's bank routes their dependencies: the bank's
own token, and its signature over a body of at most `MAX_SIGNED_BYTES`.
"""

import hashlib
import hmac
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import Depends, Request
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.platform_tables import platform_tables
from shared.data.work import unit_of_work
from shared.http.auth import Principal, require_roles
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
WINDOW_SECONDS = 300
# Headers are checked for shape before use: hmac.compare_digest refuses non-ASCII text (a
# TypeError), and a timestamp of hundreds of digits overflows the float clock.
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
# 20,000 result lines are about 2 MB of JSON; anything far beyond is not a bank's post.
MAX_SIGNED_BYTES = 8 * 1024 * 1024


def signing_string(timestamp: int, method: str, target: str, body: bytes) -> bytes:
    """What a bank signs (version 2): timestamp, method, path with query, raw body."""
    return f"v2\n{timestamp}\n{method.upper()}\n{target}\n".encode() + body


def sign(secret: str, timestamp: int, body: bytes, *, method: str, target: str) -> str:
    """Compute the signature a bank sends for `method` on `target` (path[?query])."""
    message = signing_string(timestamp, method, target, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_v1(secret: str, timestamp: int, body: bytes) -> str:
    """The old signature over timestamp and body only; accepted during a transition."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def target_of(request: Request) -> str:
    """The request's path (as sent, percent-encoded) and query, as the bank signed them."""
    path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path


def _refuse(code: str, message: str | None = None, **params: object) -> ProblemError:
    return ProblemError(401, code, message=message, **params)


def check_signature(
    secrets: Mapping[str, Sequence[str]],
    bank_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    *,
    method: str,
    target: str,
    now: float | None = None,
    v1_until: date | None = None,
) -> None:
    """Raise unless the signature is valid for one of the bank's secrets within the window.

    Before `v1_until` (a transition date) a version-1 signature is accepted too, with a warning.
    """
    current = secrets.get(bank_id)
    if not current:
        raise _refuse("bank_unknown", bank_id=bank_id)
    if not TIMESTAMP.fullmatch(timestamp):
        raise _refuse("signature_timestamp_invalid")
    ts = int(timestamp)
    now = time.time() if now is None else now
    if abs(now - ts) > WINDOW_SECONDS:
        raise _refuse("signature_expired", window_minutes=WINDOW_SECONDS // 60)
    if not SIGNATURE.fullmatch(signature):
        raise _refuse("signature_invalid", "signature_malformed")
    given = signature.lower()
    if any(
        hmac.compare_digest(sign(s, ts, body, method=method, target=target), given) for s in current
    ):
        return
    in_transition = v1_until is not None and datetime.fromtimestamp(now, UTC).date() < v1_until
    if in_transition and any(hmac.compare_digest(sign_v1(s, ts, body), given) for s in current):
        log.warning("bank_signature_v1_accepted", bank_id=bank_id, until=str(v1_until))
        return
    raise _refuse("signature_invalid")


async def verify_bank_request(
    request: Request,
    session: AsyncSession,
    schema: str,
    secrets: Mapping[str, Sequence[str]],
    path_bank_id: str,
) -> str:
    """Verify a bank's signed request and record the signature so it cannot be replayed."""
    bank_id = request.headers.get("x-bank-id", "")
    timestamp = request.headers.get("x-timestamp", "")
    signature = request.headers.get("x-signature", "")
    if not (bank_id and timestamp and signature):
        raise _refuse("signature_missing")
    if bank_id != path_bank_id:
        raise ProblemError(403, "bank_forbidden")
    check_signature(
        secrets,
        bank_id,
        timestamp,
        signature,
        await request.body(),
        method=request.method,
        target=target_of(request),
        v1_until=request.app.state.platform.bank_signature_v1_until,
    )
    table = platform_tables(schema).bank_signature_seen
    cutoff = datetime.now(UTC) - timedelta(seconds=2 * WINDOW_SECONDS)
    await session.exec(delete(table).where(table.c.seen_at < cutoff))
    seen = await session.exec(
        pg_insert(table)
        .values(signature=signature.lower(), bank_id=bank_id)
        .on_conflict_do_nothing()
        .returning(table.c.signature)
    )
    if seen.first() is None:
        raise _refuse("signature_replayed")
    return bank_id


async def _within_cap(request: Request, max_bytes: int) -> None:
    """Refuse a body above the cap: by its declared length unread, else once read."""
    declared = request.headers.get("content-length", "")
    if (declared.isdigit() and int(declared) > max_bytes) or len(await request.body()) > max_bytes:
        raise ProblemError(413, "payload_too_large", max_bytes=max_bytes)


@dataclass(frozen=True)
class BankChecks:
    """The dependencies of one service's bank routes (`Depends(checks.caller)`)."""

    caller: Callable[..., Awaitable[Principal]]
    signed: Callable[..., Awaitable[Principal]]


def bank_checks(
    schema: str,
    secrets: Callable[[], Mapping[str, Sequence[str]]],
    max_bytes: int = MAX_SIGNED_BYTES,
) -> BankChecks:
    """The bank checks of the service whose schema records the signatures seen and whose
    settings hold the banks' `secrets` (a function, called at each request)."""

    async def caller(
        bank_id: str, who: Annotated[Principal, Depends(require_roles("bank"))]
    ) -> Principal:
        """A bank token may only reach its own endpoints (its lists need no signature)."""
        if "admin" not in who.roles and who.subject != bank_id:
            raise ProblemError(403, "bank_forbidden")
        return who

    async def signed(
        bank_id: str, request: Request, who: Annotated[Principal, Depends(caller)]
    ) -> Principal:
        """The bank's token and HMAC signature, checked before the body is even parsed.

        The signature is recorded in a transaction of its own (not the request's), so it
        cannot be replayed even when the request itself is then refused (a refused post
        re-signed is a new post).
        """
        await _within_cap(request, max_bytes)
        async with unit_of_work(request.app.state.sessions, schema) as work:
            await verify_bank_request(request, work.session, schema, secrets(), bank_id)
        return who

    return BankChecks(caller=caller, signed=signed)
