"""A bank's signed receipts posts to contribution."""

import json
import time

from services.contribution.config import get_settings
from shared.http.bank_signature import sign
from tests.conftest import auth_headers

BANK = "bank-psbc"


def receipts_url(bank: str = BANK) -> str:
    """Where a bank posts its receipts (the path it signs)."""
    return f"/v1/contribution/bank/{bank}/receipts"


def signed(
    platform, body: dict, *, bank: str = BANK, secret: str | None = None, later: int = 0
) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    ts = int(time.time()) + later  # the same body signed in the same second is a replay
    secret = secret or get_settings().bank_secrets[BANK][0]
    headers = auth_headers(
        platform,
        "bank",
        subject=BANK,
        **{
            "X-Bank-Id": bank,
            "X-Timestamp": str(ts),
            "X-Signature": sign(secret, ts, raw, method="POST", target=receipts_url(bank)),
            "content-type": "application/json",
        },
    )
    return raw, headers
