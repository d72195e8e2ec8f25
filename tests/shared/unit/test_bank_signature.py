"""Bank HMAC signatures: per-bank secrets with rotation and a five-minute window."""

from datetime import date

import pytest

from shared.http.bank_signature import check_signature, sign, sign_v1
from shared.problems import ProblemError

SECRETS = {"psbc": ["new-secret", "old-secret"], "icbc": ["icbc-secret"]}
BODY = b'{"batch":"2020-01","lines":[]}'
NOW = 1_700_000_000
POST = {"method": "POST", "target": "/v1/payout/bank/psbc/batches/7/totals"}


def test_current_and_previous_secret_are_both_accepted_during_rotation() -> None:
    for secret in SECRETS["psbc"]:
        check_signature(
            SECRETS, "psbc", str(NOW), sign(secret, NOW, BODY, **POST), BODY, **POST, now=NOW
        )


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
        check_signature(
            SECRETS, bank, str(ts), sign(secret, ts, BODY, **POST), body, **POST, now=NOW
        )
    assert caught.value.code == code


@pytest.mark.parametrize(
    "timestamp", ["yesterday", "9" * 400, "-1", "1e9", " 1700000000", "１７", "1700000000\n"]
)
def test_a_timestamp_that_is_not_unix_seconds_is_refused(timestamp: str) -> None:
    with pytest.raises(ProblemError) as caught:
        check_signature(SECRETS, "psbc", timestamp, "00", BODY, **POST, now=NOW)
    assert (caught.value.status, caught.value.code) == (401, "signature_timestamp_invalid")


@pytest.mark.parametrize(
    "signature", ["\xe9" * 64, "00", "g" * 64, sign("new-secret", NOW, BODY, **POST) + "0"]
)
def test_a_signature_that_is_not_hex_sha256_is_refused_not_a_crash(signature: str) -> None:
    with pytest.raises(ProblemError) as caught:
        check_signature(SECRETS, "psbc", str(NOW), signature, BODY, **POST, now=NOW)
    assert (caught.value.status, caught.value.code) == (401, "signature_invalid")


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("POST", "/v1/payout/bank/psbc/batches/8/totals"),  # another batch
        ("POST", "/v1/payout/bank/psbc/results"),  # another endpoint
        ("PUT", POST["target"]),  # another method
        ("POST", POST["target"] + "?batch=8"),  # a query added
    ],
)
def test_a_signature_fits_only_its_method_and_path(method: str, target: str) -> None:
    signature = sign("new-secret", NOW, BODY, **POST)
    with pytest.raises(ProblemError) as caught:
        check_signature(
            SECRETS, "psbc", str(NOW), signature, BODY, method=method, target=target, now=NOW
        )
    assert caught.value.code == "signature_invalid"


def test_the_old_signature_only_before_the_transition_date() -> None:
    old = sign_v1("new-secret", NOW, BODY)
    check_signature(
        SECRETS, "psbc", str(NOW), old, BODY, **POST, now=NOW, v1_until=date(2023, 11, 15)
    )
    for until in (None, date(2023, 11, 14)):  # NOW is 2023-11-14 22:13 UTC
        with pytest.raises(ProblemError) as caught:
            check_signature(SECRETS, "psbc", str(NOW), old, BODY, **POST, now=NOW, v1_until=until)
        assert caught.value.code == "signature_invalid"
