"""Rotating the token secret, the link secret and the service credential without a refused
request (docs/operations.md 6): every step of a rolling change is walked with two apps on
neighbouring settings, each accepting what the other signs or sends; the old secret is
refused once removed. Every secret of a list passes check_secret outside dev mode."""

import time
import uuid
from urllib.parse import urlsplit

import jwt
import pytest
from pydantic import ValidationError
from starlette.datastructures import Headers

from gateway.main import gateway_credential_headers
from shared.http.auth import Principal, decode_token, issue_token
from shared.http.change_push import ChangePusher
from shared.http.gateway_only import holds_credential
from shared.http.signed_links import principal_of_link, sign_link
from shared.problems import ProblemError
from shared.settings import (
    DEV_JWT_SECRET,
    InsecureSettingError,
    PlatformSettings,
    key_id,
    require_service_credential,
)

OLD = "old-token-secret-" + "a" * 40
NEW = "new-token-secret-" + "b" * 40
OLD_LINK = "old-link-secret-" + "c" * 40
NEW_LINK = "new-link-secret-" + "d" * 40
OLD_CRED = "old-credential-" + "e" * 40
NEW_CRED = "new-credential-" + "f" * 40
RECORD = f"/v1/enrollment/persons/{uuid.uuid4()}/rights-record/2020/html"


def _settings(**values: object) -> PlatformSettings:
    return PlatformSettings(dev_mode=False, **values)  # type: ignore[arg-type]


# The procedure of docs/operations.md 6, one configuration per step: the single setting of
# today, the new secret added (still signing with the old), the new one signing, the old one
# removed once everything it signed has expired.
TOKEN_STEPS = [
    _settings(jwt_secret=OLD),
    _settings(jwt_secrets=[OLD, NEW]),
    _settings(jwt_secrets=[NEW, OLD]),
    _settings(jwt_secrets=[NEW]),
]
LINK_STEPS = [
    _settings(jwt_secret=OLD, link_secret=OLD_LINK),
    _settings(jwt_secret=OLD, link_secrets=[OLD_LINK, NEW_LINK]),
    _settings(jwt_secret=OLD, link_secrets=[NEW_LINK, OLD_LINK]),
    _settings(jwt_secret=OLD, link_secrets=[NEW_LINK]),
]
CREDENTIAL_STEPS = [
    _settings(jwt_secret=OLD, service_credential=OLD_CRED),
    _settings(jwt_secret=OLD, service_credentials=[OLD_CRED, NEW_CRED]),
    _settings(jwt_secret=OLD, service_credentials=[NEW_CRED, OLD_CRED]),
    _settings(jwt_secret=OLD, service_credentials=[NEW_CRED]),
]


def _both_ways(steps: list[PlatformSettings], step: int) -> list[tuple[PlatformSettings, ...]]:
    """A step and the next, as (sender, receiver) in either order."""
    return [(steps[step], steps[step + 1]), (steps[step + 1], steps[step])]


def _code(call, *args) -> str:
    with pytest.raises(ProblemError) as caught:
        call(*args)
    return caught.value.code


@pytest.mark.parametrize("step", range(len(TOKEN_STEPS) - 1))
def test_tokens_pass_both_ways_between_neighbouring_steps(step: int) -> None:
    """During a rolling change the gateway and a service may be one step apart, in either
    order: a token one signs, the other accepts."""
    for signer, verifier in _both_ways(TOKEN_STEPS, step):
        token = issue_token(signer, f"alice-{uuid.uuid4().hex[:6]}", ["clerk"])
        assert decode_token(verifier, token).subject.startswith("alice-")


def test_a_token_names_its_secret_and_the_old_one_is_refused_once_removed() -> None:
    during, after = TOKEN_STEPS[1], TOKEN_STEPS[3]
    old_token = issue_token(during, "bob", ["clerk"])  # step 1 still signs with the old
    assert jwt.get_unverified_header(old_token)["kid"] == key_id(OLD)
    assert decode_token(TOKEN_STEPS[2], old_token).subject == "bob"
    assert _code(decode_token, after, old_token) == "token_invalid"
    new_token = issue_token(TOKEN_STEPS[2], "bob", ["clerk"])
    assert jwt.get_unverified_header(new_token)["kid"] == key_id(NEW)
    assert decode_token(after, new_token).subject == "bob"


def test_a_token_issued_before_kids_is_tried_against_every_secret() -> None:
    now = int(time.time())
    claims = {"sub": "carol", "roles": ["clerk"], "aud": "pension-back-office"}
    claims |= {"iss": "pension-gateway", "iat": now, "exp": now + 600}
    kidless = jwt.encode(claims, OLD, algorithm="HS256")
    assert decode_token(TOKEN_STEPS[2], kidless).subject == "carol"  # old is second
    assert _code(decode_token, TOKEN_STEPS[3], kidless) == "token_invalid"


def test_a_kid_of_a_held_secret_does_not_excuse_a_forged_signature() -> None:
    now = int(time.time())
    claims = {"sub": "mallory", "roles": ["admin"], "aud": "pension-back-office"}
    claims |= {"iss": "pension-gateway", "iat": now, "exp": now + 600}
    forged = jwt.encode(claims, "x" * 48, algorithm="HS256", headers={"kid": key_id(NEW)})
    assert _code(decode_token, TOKEN_STEPS[2], forged) == "token_invalid"


def _open(platform: PlatformSettings, url: str) -> Principal:
    parts = urlsplit(url)
    return principal_of_link(platform, "GET", parts.path, parts.query)


@pytest.mark.parametrize("step", range(len(LINK_STEPS) - 1))
def test_links_open_both_ways_between_neighbouring_steps(step: int) -> None:
    who = Principal("dan", frozenset({"clerk"}), token_id="t1", issued_at=time.time())
    for signer, verifier in _both_ways(LINK_STEPS, step):
        assert _open(verifier, sign_link(signer, who, RECORD).path).subject == "dan"


def test_a_link_signed_with_the_old_secret_is_refused_once_it_is_removed() -> None:
    who = Principal("dan", frozenset({"clerk"}), token_id="t1", issued_at=time.time())
    old_link = sign_link(LINK_STEPS[1], who, RECORD).path
    assert _open(LINK_STEPS[2], old_link).subject == "dan"
    assert _code(_open, LINK_STEPS[3], old_link) == "link_invalid"


@pytest.mark.parametrize("step", range(len(CREDENTIAL_STEPS) - 1))
def test_services_accept_the_gateways_credential_at_every_step(step: int) -> None:
    """Gateway and services roll one after the other: whichever is a step ahead, what the
    gateway sends the service accepts."""
    for gateway, service in _both_ways(CREDENTIAL_STEPS, step):
        sent = Headers(headers=gateway_credential_headers(gateway))
        assert holds_credential(sent, service.gateway_credentials())


def test_the_old_credential_is_refused_once_removed() -> None:
    old = Headers(headers=gateway_credential_headers(CREDENTIAL_STEPS[1]))
    assert holds_credential(old, CREDENTIAL_STEPS[2].gateway_credentials())
    assert not holds_credential(old, CREDENTIAL_STEPS[3].gateway_credentials())
    assert not holds_credential(Headers(headers={}), CREDENTIAL_STEPS[2].gateway_credentials())


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"jwt_secrets": [NEW, DEV_JWT_SECRET]}, "PENSION_JWT_SECRETS[1] is a published"),
        ({"jwt_secrets": [NEW, "short-old-secret"]}, "PENSION_JWT_SECRETS[1] is shorter"),
        (
            {"jwt_secret": OLD, "link_secrets": [NEW_LINK, "change-me-" + "x" * 40]},
            "PENSION_LINK_SECRETS[1] is a published",
        ),
    ],
)
def test_every_secret_of_a_list_is_checked_outside_dev_mode(values: dict, named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _settings(**values)
    assert named in str(caught.value)
    assert PlatformSettings(dev_mode=True, **values)  # dev mode allows what `make up` uses


def test_every_service_credential_is_checked_when_an_app_starts() -> None:
    settings = _settings(jwt_secret=OLD, service_credentials=[NEW_CRED, "too-short"])
    with pytest.raises(InsecureSettingError, match=r"PENSION_SERVICE_CREDENTIALS\[1\] is shorter"):
        require_service_credential(settings)
    require_service_credential(_settings(jwt_secret=OLD, service_credentials=[NEW_CRED, OLD_CRED]))


def test_a_single_setting_beside_its_list_must_be_in_it() -> None:
    """Compose and the k8s secret keep the single setting during a rotation: the list counts."""
    assert _settings(jwt_secret=OLD, jwt_secrets=[NEW, OLD]).jwt_keys() == [NEW, OLD]
    with pytest.raises(ValidationError, match="PENSION_JWT_SECRET is not among"):
        _settings(jwt_secret=OLD, jwt_secrets=[NEW])
    with pytest.raises(ValidationError, match="PENSION_SERVICE_CREDENTIAL is not among"):
        _settings(jwt_secret=OLD, service_credential=OLD_CRED, service_credentials=[NEW_CRED])
    with pytest.raises(ValidationError, match="must differ"):
        _settings(jwt_secrets=[NEW, OLD], link_secrets=[NEW_LINK, OLD])


def test_a_push_names_the_secret_that_signed_it() -> None:
    """The province holds both secrets during a change-over and picks by the key id."""
    ids = []
    for secret in (OLD, NEW):
        pusher = ChangePusher(
            None,  # type: ignore[arg-type]  # headers() touches no database
            "enrollment",
            [],
            url="https://province.example/push",
            secret=secret,
        )
        ids.append(pusher.headers(b"{}", 1_767_225_600)["X-Signature-Key-Id"])
    assert ids == [key_id(OLD), key_id(NEW)] and ids[0] != ids[1]
