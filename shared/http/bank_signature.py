"""HMAC-SHA256 request signatures for banks: per-bank secrets with rotation, no replays.

A bank signs ``f"{timestamp}.".encode() + raw_body`` with one of its current secrets and
sends ``X-Bank-Id``, ``X-Timestamp`` (unix seconds) and ``X-Signature`` (hex digest).
"""

import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.platform_tables import platform_tables
from shared.http.errors import ProblemError

WINDOW_SECONDS = 300
# Headers are checked for shape before use: hmac.compare_digest refuses non-ASCII text (a
# TypeError), and a timestamp of hundreds of digits overflows the float clock.
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Compute the signature a bank sends."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _refuse(code: str, detail: str) -> ProblemError:
    return ProblemError(401, code, detail)


def check_signature(
    secrets: Mapping[str, Sequence[str]],
    bank_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    now: float | None = None,
) -> None:
    """Raise unless the signature is valid for one of the bank's secrets within the window."""
    current = secrets.get(bank_id)
    if not current:
        raise _refuse("bank_unknown", f"Bank {bank_id!r} is not registered.")
    if not TIMESTAMP.fullmatch(timestamp):
        raise _refuse("signature_timestamp_invalid", "X-Timestamp must be unix seconds.")
    ts = int(timestamp)
    now = time.time() if now is None else now
    if abs(now - ts) > WINDOW_SECONDS:
        raise _refuse(
            "signature_expired", f"X-Timestamp is outside the {WINDOW_SECONDS // 60}-minute window."
        )
    if not SIGNATURE.fullmatch(signature):
        raise _refuse("signature_invalid", "X-Signature must be 64 hexadecimal characters.")
    if not any(hmac.compare_digest(sign(s, ts, body), signature.lower()) for s in current):
        raise _refuse("signature_invalid", "The request signature does not match.")


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
        raise _refuse("signature_missing", "X-Bank-Id, X-Timestamp and X-Signature are required.")
    if bank_id != path_bank_id:
        raise ProblemError(403, "bank_forbidden", "A bank may only post to its own endpoints.")
    check_signature(secrets, bank_id, timestamp, signature, await request.body())
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
        raise _refuse("signature_replayed", "This signature was already used.")
    return bank_id
