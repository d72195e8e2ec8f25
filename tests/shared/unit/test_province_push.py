"""The province push's settings and docs/province.md "Outbound push": its test vector is what
the pusher signs, with the signing string the page writes out, and its secret is the dev one."""

import hashlib
import hmac
import re
from pathlib import Path

import pytest

from services.enrollment.feeds import FEEDS
from shared.http.bank_signature import check_signature, sign
from shared.http.change_push import ChangePusher, backoff_seconds, endpoint_host
from shared.settings import (
    DEV_PUSH_SECRET,
    KNOWN_DEFAULT_SECRETS,
    PlatformSettings,
)

STRONG = "a-strong-random-looking-secret-0f9e8d7c6b5a4"
PAGE = Path(__file__).resolve().parents[3] / "docs" / "province.md"


def vector() -> dict[str, str]:
    """The page's push test vector: {secret, url, X-Timestamp, path, body, X-Signature}."""
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(r"<!-- test vector: province push -->\n```\n(.*?)\n```", text, re.S)
    assert found, "docs/province.md has no push test vector"
    lines = found.group(1).splitlines()
    return dict(re.match(r"([A-Za-z-]+):\s+(.*)$", line).groups() for line in lines)  # type: ignore[union-attr]


def test_the_vector_is_the_banks_v2_signature_written_out() -> None:
    v = vector()
    ts, body = int(v["X-Timestamp"]), v["body"].encode()
    message = f"v2\n{ts}\nPOST\n{v['path']}\n".encode() + body
    by_hand = hmac.new(v["secret"].encode(), message, hashlib.sha256).hexdigest()
    assert (
        by_hand == v["X-Signature"] == sign(v["secret"], ts, body, method="POST", target=v["path"])
    )
    check_signature(
        {"province": [v["secret"]]},
        "province",
        v["X-Timestamp"],
        v["X-Signature"],
        body,
        method="POST",
        target=v["path"],
        now=ts + 60,
    )


def test_the_pusher_signs_the_vector_from_its_url() -> None:
    v = vector()
    pusher = ChangePusher(None, "enrollment", FEEDS, url=v["url"], secret=v["secret"])  # type: ignore[arg-type]
    assert pusher.target == v["path"]
    headers = pusher.headers(v["body"].encode(), int(v["X-Timestamp"]))
    assert headers["X-Signature"] == v["X-Signature"]
    assert headers["X-Pension-Source"] == "enrollment" and headers["X-Timestamp"] == "1767225600"


def test_the_batch_body_is_the_vectors_shape() -> None:
    v = vector()
    pusher = ChangePusher(None, "enrollment", FEEDS, url=v["url"], secret=v["secret"])  # type: ignore[arg-type]
    changes = re.search(r'"changes":\[(.*)\]\}$', v["body"]).group(1)  # type: ignore[union-attr]
    parts = changes.split('},{"key"')
    rendered = [parts[0] + "}", '{"key"' + parts[1]]
    assert pusher.body(41, 42, rendered).decode() == v["body"]


def test_the_vector_secret_is_the_dev_one_and_never_accepted_in_production() -> None:
    assert vector()["secret"] == DEV_PUSH_SECRET
    assert DEV_PUSH_SECRET in KNOWN_DEFAULT_SECRETS


def test_operators_see_the_host_only_and_the_backoff_is_capped() -> None:
    assert endpoint_host("https://user:pw@prov.example:8443/push?k=1") == "prov.example:8443"
    assert [backoff_seconds(n, 30.0) for n in range(8)] == [0, 0.5, 1, 2, 4, 8, 16, 30]
    assert backoff_seconds(10_000, 30.0) == 30.0


def test_a_push_url_outside_dev_mode_needs_a_strong_secret_of_its_own() -> None:
    url = "https://province.example/push"
    with pytest.raises(ValueError, match="PROVINCE_PUSH_SECRET"):
        PlatformSettings(dev_mode=False, jwt_secret=STRONG, province_push_url=url)
    for weak in (DEV_PUSH_SECRET, "short-secret"):
        with pytest.raises(ValueError, match="PROVINCE_PUSH_SECRET"):
            PlatformSettings(
                dev_mode=False, jwt_secret=STRONG, province_push_url=url, province_push_secret=weak
            )
    strong = PlatformSettings(
        dev_mode=False, jwt_secret=STRONG, province_push_url=url, province_push_secret=STRONG * 2
    )
    assert strong.push_signing_secret() == STRONG * 2
    assert PlatformSettings(dev_mode=True).push_signing_secret() == DEV_PUSH_SECRET
    with pytest.raises(ValueError, match="province_push_url"):
        PlatformSettings(dev_mode=True, province_push_url="ftp://province.example/push")
