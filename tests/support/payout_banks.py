"""Two banks for payout: their secrets, and their signed result posts."""

import json
import time

import pytest

from services.payout.config import get_settings
from shared.http.bank_signature import sign
from tests.conftest import auth_headers

PSBC, ICBC = "bank-psbc", "bank-icbc"


SECRETS = {PSBC: ["psbc-test-secret-0123456789"], ICBC: ["icbc-test-secret-0123456789"]}


@pytest.fixture
def two_banks(monkeypatch):
    monkeypatch.setenv("PENSION_PAYOUT_BANK_SECRETS", json.dumps(SECRETS))
    monkeypatch.setenv("PENSION_PAYOUT_BANK_CODES", json.dumps({PSBC: "PSBC", ICBC: "ICBC"}))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


_seconds = iter(range(10_000))


def signed(
    platform,
    body: dict,
    bank: str = PSBC,
    secret: str | None = None,
    skew: int = 0,
    target: str | None = None,
):
    """Raw body and headers of a signed post (a fresh timestamp each time: no replay).

    The signature covers the path: `target` is where it is posted (the results by default).
    """
    raw = json.dumps(body).encode()
    # Rising with the clock and with each call, so two posts never share a timestamp.
    ts = int(time.time()) - 200 + next(_seconds) % 200 + skew
    target = target or f"/v1/payout/bank/{bank}/results"
    headers = auth_headers(
        platform,
        "bank",
        subject=bank,
        **{
            "X-Bank-Id": bank,
            "X-Timestamp": str(ts),
            "X-Signature": sign(secret or SECRETS[bank][0], ts, raw, method="POST", target=target),
            "content-type": "application/json",
        },
    )
    return raw, headers


async def post_results(client, platform, lines, bank=PSBC, **kw):
    raw, headers = signed(platform, {"results": lines}, bank, **kw)
    return await client.post(f"/v1/payout/bank/{bank}/results", content=raw, headers=headers)
