"""Start-up refusals of default secrets, the verifier's lifetime cap, JWKS-signed tokens."""

import http.server
import json
import threading
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from shared.http.auth import decode_token
from shared.problems import ProblemError
from shared.settings import DEV_JWT_SECRET, PlatformSettings

STRONG = "k3Jx9-unique-production-secret-of-enough-length-42"


@pytest.mark.parametrize(
    "secret", [DEV_JWT_SECRET, "CHANGE-ME", "change-me-change-me-change-me-change-me-0123456789"]
)
def test_a_published_secret_is_refused_outside_dev_mode(secret: str) -> None:
    with pytest.raises(ValidationError, match="published default"):
        PlatformSettings(jwt_secret=secret, dev_mode=False)
    assert PlatformSettings(jwt_secret=secret, dev_mode=True).jwt_secret == secret


def test_a_short_secret_is_refused_outside_dev_mode() -> None:
    with pytest.raises(ValidationError, match="shorter than 32 bytes"):
        PlatformSettings(jwt_secret="s3cr3t-but-short", dev_mode=False)


def test_the_default_secret_is_refused_when_taken_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("PENSION_DEV_MODE", raising=False)
    monkeypatch.delenv("PENSION_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="PENSION_JWT_SECRET"):
        PlatformSettings()
    monkeypatch.setenv("PENSION_JWT_SECRET", STRONG)
    assert PlatformSettings().dev_mode is False


def test_asymmetric_only_needs_no_shared_secret() -> None:
    settings = PlatformSettings(
        dev_mode=False, jwt_algorithms=["RS256"], jwt_jwks_url="https://idp.example/jwks"
    )
    assert settings.jwt_secret == DEV_JWT_SECRET  # never used: HS256 is not accepted


def _claims(lifetime: int, **extra: object) -> dict[str, object]:
    now = int(time.time())
    base = PlatformSettings(dev_mode=True)
    return {
        "sub": "ghost",
        "roles": ["admin"],
        "aud": base.jwt_audience,
        "iss": base.jwt_issuer,
        "iat": now,
        "exp": now + lifetime,
        **extra,
    }


def test_the_verifier_caps_lifetime_whoever_signed() -> None:
    settings = PlatformSettings(jwt_secret=STRONG, dev_mode=False)
    century = jwt.encode(_claims(100 * 365 * 86400), STRONG, algorithm="HS256")
    with pytest.raises(ProblemError) as caught:
        decode_token(settings, century)
    assert caught.value.code == "token_lifetime"
    no_iat = _claims(600)
    del no_iat["iat"]
    with pytest.raises(ProblemError) as caught:
        decode_token(settings, jwt.encode(no_iat, STRONG, algorithm="HS256"))
    assert caught.value.code == "token_invalid"
    assert decode_token(settings, jwt.encode(_claims(600), STRONG, algorithm="HS256"))


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[tuple[str, dict[str, object]]]:
    """A JWKS endpoint on a real local HTTP server, with an RSA and an EC key."""
    keys = {
        "rsa-1": rsa.generate_private_key(65537, 2048),
        "ec-1": ec.generate_private_key(ec.SECP256R1()),
    }
    jwks = {"keys": []}
    for kid, key in keys.items():
        algorithm = (
            jwt.algorithms.RSAAlgorithm if kid.startswith("rsa") else jwt.algorithms.ECAlgorithm
        )
        jwk = json.loads(algorithm.to_jwk(key.public_key()))
        jwks["keys"].append({**jwk, "kid": kid, "use": "sig"})
    body = json.dumps(jwks).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", keys
    finally:
        server.shutdown()


@pytest.mark.parametrize(("kid", "alg"), [("rsa-1", "RS256"), ("ec-1", "ES256")])
def test_tokens_signed_by_an_identity_provider_are_verified_with_its_jwks(
    identity_provider, kid: str, alg: str
) -> None:
    url, keys = identity_provider
    settings = PlatformSettings(dev_mode=False, jwt_algorithms=["RS256", "ES256"], jwt_jwks_url=url)
    token = jwt.encode(
        _claims(600, sub=f"idp-{kid}"), keys[kid], algorithm=alg, headers={"kid": kid}
    )
    assert decode_token(settings, token).subject == f"idp-{kid}"
    other = rsa.generate_private_key(65537, 2048)
    forged = jwt.encode(_claims(600), other, algorithm="RS256", headers={"kid": "rsa-1"})
    with pytest.raises(ProblemError) as caught:
        decode_token(settings, forged)
    assert caught.value.code == "token_invalid"
    # Only the identity provider's algorithms are accepted: a shared-secret token is not.
    confused = jwt.encode(_claims(600), STRONG, algorithm="HS256")
    with pytest.raises(ProblemError):
        decode_token(settings, confused)
