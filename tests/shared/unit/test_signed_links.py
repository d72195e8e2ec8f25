"""Signed links to printables: what they carry, and every way a changed or old link fails."""

import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import pytest
from pydantic import ValidationError

from shared.http.auth import Principal
from shared.http.signed_links import AUDIENCE, principal_of_link, sign_link
from shared.problems import ProblemError
from shared.settings import DEV_LINK_SECRET, PlatformSettings

STRONG_JWT = "k3Jx9-unique-production-secret-of-enough-length-42"
STRONG_LINK = "another-unique-link-secret-of-enough-length-0042"
PERSON = "0b6c2a7e-1d2f-4a55-9c1e-7b1f0e2d3c4a"
RECORD = f"/v1/enrollment/persons/{PERSON}/rights-record/2020/html"
REPORT = f"/v1/budget/departments/{PERSON}/years/2020/report"
AUDITOR = Principal("ann", frozenset({"auditor"}), token_id="tok-1", issued_at=1_700_000_000.0)


@pytest.fixture
def platform() -> PlatformSettings:
    return PlatformSettings(dev_mode=True, link_ttl_seconds=300)


def _open(platform: PlatformSettings, url: str, method: str = "GET") -> Principal:
    parts = urlsplit(url)
    return principal_of_link(platform, method, parts.path, parts.query)


def _problem(call, *args) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        call(*args)
    return caught.value


def test_a_link_opens_as_its_caller_with_the_callers_token(platform) -> None:
    link = sign_link(platform, AUDITOR, REPORT, "format=xlsx")
    assert link.path.startswith(REPORT + "?format=xlsx&link=")
    assert link.expires_at - time.time() == pytest.approx(300, abs=5)
    who = _open(platform, link.path)
    # The token's id and issue time travel with it: revoking the token revokes its links.
    assert (who.subject, who.roles, who.token_id, who.issued_at) == (
        "ann",
        frozenset({"auditor"}),
        "tok-1",
        1_700_000_000.0,
    )


def test_an_expired_link_is_refused(platform) -> None:
    link = sign_link(platform, AUDITOR, RECORD, now=time.time() - 301)
    problem = _problem(_open, platform, link.path)
    assert (problem.status, problem.code) == (401, "link_expired")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda path, query: (path.replace("2020", "2019"), query),  # another year
        lambda path, query: (path.replace(PERSON[:8], "11111111"), query),  # another person
        lambda path, query: (path, query + "&format=xlsx"),  # a parameter added
        lambda path, query: (path, query.replace("link=", "link=x")),  # the signature changed
        lambda path, query: (path, query[:-3]),  # the signature cut
        lambda path, query: (path, query + "&link=" + query.split("link=")[1]),  # two links
    ],
)
def test_a_changed_link_is_refused(platform, tamper) -> None:
    link = sign_link(platform, AUDITOR, RECORD)
    parts = urlsplit(link.path)
    path, query = tamper(parts.path, parts.query)
    problem = _problem(principal_of_link, platform, "GET", path, query)
    assert (problem.status, problem.code) == (401, "link_invalid")


def test_roles_cannot_be_raised_without_the_secret(platform) -> None:
    link = sign_link(platform, AUDITOR, RECORD)
    token = dict(parse_qsl(urlsplit(link.path).query))["link"]
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "roles": ["clerk"]}, "a-guessed-secret-" * 3, algorithm="HS256")
    problem = _problem(principal_of_link, platform, "GET", RECORD, urlencode({"link": forged}))
    assert problem.code == "link_invalid"


def test_a_link_living_longer_than_the_setting_is_refused(platform) -> None:
    now = int(time.time())
    claims = {
        "aud": AUDIENCE,
        "iss": platform.jwt_issuer,
        "sub": "ann",
        "roles": ["clerk"],
        "path": RECORD,
        "q": "",
        "iat": now,
        "exp": now + 86_400,
    }
    token = jwt.encode(claims, DEV_LINK_SECRET, algorithm="HS256")
    problem = _problem(principal_of_link, platform, "GET", RECORD, urlencode({"link": token}))
    assert problem.code == "link_invalid"


def test_a_bearer_token_is_not_a_link(platform) -> None:
    from shared.http.auth import issue_token

    token = issue_token(platform, "ann", ["clerk"])
    problem = _problem(principal_of_link, platform, "GET", RECORD, urlencode({"link": token}))
    assert problem.code == "link_invalid"


def test_links_are_for_getting_printables_only(platform) -> None:
    link = sign_link(platform, AUDITOR, RECORD)
    problem = _problem(_open, platform, link.path, "POST")
    assert (problem.status, problem.code) == (403, "link_not_printable")
    other = f"/v1/enrollment/persons/{PERSON}"
    problem = _problem(sign_link, platform, AUDITOR, other)
    assert (problem.status, problem.code) == (403, "link_not_printable")
    query = urlsplit(link.path).query
    problem = _problem(principal_of_link, platform, "GET", other, query)
    assert problem.code == "link_not_printable"


def test_no_link_outside_dev_mode_without_a_secret() -> None:
    production = PlatformSettings(dev_mode=False, jwt_secret=STRONG_JWT)
    problem = _problem(sign_link, production, AUDITOR, RECORD)
    assert (problem.status, problem.code) == (503, "links_unavailable")
    dev_link = sign_link(PlatformSettings(dev_mode=True), AUDITOR, RECORD)
    problem = _problem(_open, production, dev_link.path)
    assert problem.code == "links_unavailable"


def test_a_production_link_secret_is_checked_and_a_dev_link_fails_there() -> None:
    for weak in (DEV_LINK_SECRET, "short", STRONG_JWT):
        with pytest.raises(ValidationError):
            PlatformSettings(dev_mode=False, jwt_secret=STRONG_JWT, link_secret=weak)
    production = PlatformSettings(dev_mode=False, jwt_secret=STRONG_JWT, link_secret=STRONG_LINK)
    assert _open(production, sign_link(production, AUDITOR, RECORD).path).subject == "ann"
    dev_link = sign_link(PlatformSettings(dev_mode=True), AUDITOR, RECORD)
    assert _problem(_open, production, dev_link.path).code == "link_invalid"
