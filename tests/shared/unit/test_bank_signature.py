"""Bank HMAC signatures: per-bank secrets with rotation and a five-minute window."""

import pytest

from shared.http.bank_signature import check_signature, sign
from shared.http.errors import ProblemError

SECRETS = {"psbc": ["new-secret", "old-secret"], "icbc": ["icbc-secret"]}
BODY = b'{"batch":"2020-01","lines":[]}'
NOW = 1_700_000_000


def test_current_and_previous_secret_are_both_accepted_during_rotation() -> None:
    for secret in SECRETS["psbc"]:
        check_signature(SECRETS, "psbc", str(NOW), sign(secret, NOW, BODY), BODY, now=NOW)


@pytest.mark.parametrize(
    ("bank", "ts", "secret", "body", "code"),
    [
        ("psbc", NOW, "icbc-secret", BODY, "signature_invalid"),  # another bank's secret
        ("psbc", NOW, "new-secret", BODY + b" ", "signature_invalid"),  # body changed
        ("psbc", NOW - 301, "new-secret", BODY, "signature_expired"),
        ("psbc", NOW + 301, "new-secret", BODY, "signature_expired"),
        ("nobank", NOW, "new-secret", BODY, "bank_unknown"),
    ],
)
def test_bad_signatures_are_refused(
    bank: str, ts: int, secret: str, body: bytes, code: str
) -> None:
    with pytest.raises(ProblemError) as caught:
        check_signature(SECRETS, bank, str(ts), sign(secret, ts, BODY), body, now=NOW)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "timestamp", ["yesterday", "9" * 400, "-1", "1e9", " 1700000000", "１７", "1700000000\n"]
)
def test_a_timestamp_that_is_not_unix_seconds_is_refused(timestamp: str) -> None:
    with pytest.raises(ProblemError) as caught:
        check_signature(SECRETS, "psbc", timestamp, "00", BODY, now=NOW)
    assert (caught.value.status, caught.value.code) == (401, "signature_timestamp_invalid")


@pytest.mark.parametrize(
    "signature", ["\xe9" * 64, "00", "g" * 64, sign("new-secret", NOW, BODY) + "0"]
)
def test_a_signature_that_is_not_hex_sha256_is_refused_not_a_crash(signature: str) -> None:
    with pytest.raises(ProblemError) as caught:
        check_signature(SECRETS, "psbc", str(NOW), signature, BODY, now=NOW)
    assert (caught.value.status, caught.value.code) == (401, "signature_invalid")
