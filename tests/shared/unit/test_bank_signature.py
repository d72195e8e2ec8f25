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


def test_non_numeric_timestamp_is_refused() -> None:
    with pytest.raises(ProblemError) as caught:
        check_signature(SECRETS, "psbc", "yesterday", "00", BODY, now=NOW)
    assert caught.value.code == "signature_timestamp_invalid"
