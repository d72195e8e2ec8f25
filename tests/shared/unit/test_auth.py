"""JWT checks: signature, audience, issuer, expiry, algorithm allow-list, roles."""

import time

import jwt
import pytest

import shared.http.auth
from shared.http.auth import decode_token, issue_token
from shared.problems import ProblemError
from shared.settings import PlatformSettings

SETTINGS = PlatformSettings(jwt_secret="x" * 64)


def test_issued_token_round_trips() -> None:
    principal = decode_token(SETTINGS, issue_token(SETTINGS, "alice", ["clerk", "auditor"]))
    assert principal.subject == "alice"
    assert principal.roles == {"clerk", "auditor"}


def _raw(claims: dict, secret: str = "x" * 64, alg: str = "HS256") -> str:
    base = {
        "sub": "a",
        "roles": ["admin"],
        "aud": SETTINGS.jwt_audience,
        "iss": SETTINGS.jwt_issuer,
        "iat": int(time.time()),
        # Built at collection: valid long enough for a slow run to reach the test.
        "exp": int(time.time()) + 3600,
    }
    return jwt.encode({**base, **claims}, secret, algorithm=alg)


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (issue_token(SETTINGS, "a", ["clerk"], ttl_seconds=-10), "token_expired"),
        (_raw({"aud": "someone-else"}), "token_invalid"),
        (_raw({"iss": "evil"}), "token_invalid"),
        (_raw({}, secret="y" * 64), "token_invalid"),
        (_raw({}, alg="HS512"), "token_invalid"),  # not in the allow-list of this setting
        (jwt.encode({"sub": "a", "roles": ["admin"]}, None, algorithm="none"), "token_invalid"),
        (_raw({"roles": "admin"}), "token_invalid"),
    ],
)
def test_bad_tokens_are_refused(token: str, code: str) -> None:
    with pytest.raises(ProblemError) as caught:
        decode_token(SETTINGS, token)
    assert caught.value.status == 401
    assert caught.value.code == code


def test_unknown_roles_are_dropped_and_cannot_be_issued() -> None:
    principal = decode_token(SETTINGS, _raw({"roles": ["clerk", "superuser"]}))
    assert principal.roles == {"clerk"}
    with pytest.raises(ValueError, match="unknown roles"):
        issue_token(SETTINGS, "a", ["superuser"])


def test_a_cached_verification_does_not_outlive_the_token(monkeypatch) -> None:
    token = issue_token(SETTINGS, "bob", ["clerk"], ttl_seconds=60)
    assert decode_token(SETTINGS, token).subject == "bob"
    verified_again: list[str] = []

    def verify_spy(settings, tok):
        verified_again.append(tok)
        raise ProblemError(401, "token_expired", "expired")

    monkeypatch.setattr(shared.http.auth, "_verify", verify_spy)
    assert decode_token(SETTINGS, token).subject == "bob"  # still valid: served from the cache
    assert verified_again == []
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(ProblemError):
        decode_token(SETTINGS, token)
    assert verified_again == [token]


def test_a_cached_verification_is_not_reused_under_another_secret() -> None:
    token = issue_token(SETTINGS, "carol", ["clerk"])
    decode_token(SETTINGS, token)
    with pytest.raises(ProblemError):
        decode_token(PlatformSettings(jwt_secret="z" * 64), token)
