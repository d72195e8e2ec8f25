"""Banks acting badly or oddly: every refusal is problem+json 4xx and changes nothing; the
first result of a line is final, also for a line already re-issued."""

import json
import time
from decimal import Decimal

import pytest

from services.payout.main import create_app
from shared.http.bank_signature import sign
from shared.http.errors import PROBLEM_JSON
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import run_payroll
from tests.support.payout_bank_month import month_of_lines
from tests.support.payout_banks import ICBC, PSBC, SECRETS, post_results, signed, two_banks  # noqa: F401

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]
URL = f"/v1/payout/bank/{PSBC}/results"


def raw_headers(platform, raw: bytes, target: str = URL, **overrides) -> dict:
    """Headers of a post of exactly these bytes to `target`, signed by PSBC unless overridden."""
    ts = int(time.time())
    return auth_headers(
        platform,
        "bank",
        subject=PSBC,
        **{
            "X-Bank-Id": PSBC,
            "X-Timestamp": str(ts),
            "X-Signature": sign(SECRETS[PSBC][0], ts, raw, method="POST", target=target),
            "content-type": "application/json",
        }
        | overrides,
    )


async def nothing_recorded(platform) -> bool:
    results = await scalar(
        platform,
        "SELECT count(*) FROM payout.payment WHERE status <> 'sent' OR result_at IS NOT NULL",
    )
    audits = await scalar(
        platform, "SELECT count(*) FROM payout.audit_log WHERE action = 'bank_results.recorded'"
    )
    return (results, audits) == (0, 0)


async def test_bad_posts_are_refused_with_a_code_and_change_nothing(platform) -> None:
    async with running_app(create_app(platform)) as client:
        ref = await month_of_lines(client, platform)
        mine, other, icbc = ref["退休81"], ref["退休82"], ref["退休83"]
        paid = {"results": [{"reference": mine, "outcome": "paid"}]}
        body = json.dumps(paid).encode()
        bank = auth_headers(platform, "bank", subject=PSBC)
        cases = {
            "unsigned": (await client.post(URL, json=paid, headers=bank), 401, "signature_missing"),
            "other secret": (
                await post_results(client, platform, paid["results"], secret="x" * 24),
                401,
                "signature_invalid",
            ),
            "stale": (
                await post_results(client, platform, paid["results"], skew=-3600),
                401,
                "signature_expired",
            ),
            "future": (
                await post_results(client, platform, paid["results"], skew=3600),
                401,
                "signature_expired",
            ),
            "signed another body": (
                await client.post(URL, content=body + b" ", headers=raw_headers(platform, body)),
                401,
                "signature_invalid",
            ),
            "signature not hex": (
                await client.post(
                    URL, content=body, headers=raw_headers(platform, body, **{"X-Signature": "zz"})
                ),
                401,
                "signature_invalid",
            ),
            "timestamp of 400 digits": (
                await client.post(
                    URL,
                    content=body,
                    headers=raw_headers(platform, body, **{"X-Timestamp": "9" * 400}),
                ),
                401,
                "signature_timestamp_invalid",
            ),
            "header names another bank": (
                await client.post(
                    URL, content=body, headers=raw_headers(platform, body, **{"X-Bank-Id": ICBC})
                ),
                403,
                "bank_forbidden",
            ),
            "token of another bank": (
                await client.post(
                    URL,
                    content=body,
                    headers=raw_headers(platform, body)
                    | auth_headers(platform, "bank", subject=ICBC),
                ),
                403,
                "bank_forbidden",
            ),
            "another bank's line": (
                await post_results(client, platform, [{"reference": icbc, "outcome": "paid"}]),
                403,
                "batch_forbidden",
            ),
            "a good line with another bank's": (
                await post_results(
                    client,
                    platform,
                    [
                        {"reference": mine, "outcome": "paid"},
                        {"reference": icbc, "outcome": "paid"},
                    ],
                ),
                403,
                "batch_forbidden",
            ),
            "both outcomes in one post": (
                await post_results(
                    client,
                    platform,
                    [
                        {"reference": mine, "outcome": "paid"},
                        {"reference": mine, "outcome": "failed", "reason_code": "other"},
                    ],
                ),
                422,
                "validation_failed",
            ),
            "unknown reason": (
                await post_results(
                    client, platform, [{"reference": mine, "outcome": "failed", "reason_code": "x"}]
                ),
                422,
                "validation_failed",
            ),
            "unknown outcome": (
                await post_results(client, platform, [{"reference": mine, "outcome": "returned"}]),
                422,
                "validation_failed",
            ),
            "an amount": (
                await post_results(
                    client, platform, [{"reference": mine, "outcome": "paid", "amount": "1.00"}]
                ),
                422,
                "validation_failed",
            ),
            "a paid_on the agency does not keep": (
                await post_results(
                    client,
                    platform,
                    [{"reference": mine, "outcome": "paid", "paid_on": "2999-01-01"}],
                ),
                422,
                "validation_failed",
            ),
            "no lines": (await post_results(client, platform, []), 422, "validation_failed"),
            "20,001 lines": (
                await post_results(
                    client, platform, [{"reference": other, "outcome": "paid"}] * 20_001
                ),
                422,
                "validation_failed",
            ),
            "9 MiB": (
                await client.post(
                    URL,
                    content=(big := b'{"results": [' + b" " * 9 * 2**20 + b"]}"),
                    headers=raw_headers(platform, big),
                ),
                413,
                "payload_too_large",
            ),
            "malformed JSON": (
                await client.post(
                    URL, content=b'{"results": [', headers=raw_headers(platform, b'{"results": [')
                ),
                422,
                "validation_failed",
            ),
            "text/plain": (
                await client.post(
                    URL,
                    content=body,
                    headers=raw_headers(platform, body, **{"content-type": "text/plain"}),
                ),
                422,
                "validation_failed",
            ),
        }
        for label, (r, status, code) in cases.items():
            assert r.headers["content-type"] == PROBLEM_JSON, label
            assert (r.status_code, r.json()["code"]) == (status, code), label
        assert await nothing_recorded(platform)

        # A refused post's signature is spent too: replaying it is refused as a replay.
        refused = {
            "results": [
                {"reference": mine, "outcome": "paid"},
                {"reference": icbc, "outcome": "paid"},
            ]
        }
        raw, headers = signed(platform, refused)
        assert (await client.post(URL, content=raw, headers=headers)).status_code == 403
        replay = await client.post(URL, content=raw, headers=headers)
        assert (replay.status_code, replay.json()["code"]) == (401, "signature_replayed")
        assert await nothing_recorded(platform)


async def test_the_first_result_is_final_also_for_a_reissued_line(platform) -> None:
    async with running_app(create_app(platform)) as client:
        ref = await month_of_lines(client, platform)
        closed, paid = ref["退休81"], ref["退休82"]
        failure = {"reference": closed, "outcome": "failed", "reason_code": "account_closed"}
        r = await post_results(client, platform, [failure, {"reference": paid, "outcome": "paid"}])
        assert r.json() == {
            "recorded": 2,
            "already_recorded": 0,
            "suspense": 0,
            "suspense_references": [],
        }
        # A failed line later reported paid, or a paid one later failed: the first stands.
        for line in (
            {"reference": closed, "outcome": "paid"},
            {"reference": closed, "outcome": "failed", "reason_code": "name_mismatch"},
            {"reference": paid, "outcome": "failed", "reason_code": "account_frozen"},
        ):
            r = await post_results(client, platform, [line])
            assert (r.status_code, r.json()["code"]) == (409, "result_conflict"), line

        person = await scalar(
            platform, f"SELECT person_id::text FROM payout.payment WHERE id = '{closed}'"
        )
        change = await client.post(
            f"/v1/payout/retirees/{person}/account-changes",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
            json={
                "bank_code": "PSBC",
                "account_number": "6221880099990081",
                "account_name": "退休81",
                "reason": "原账户已销户",
            },
        )
        r = await client.post(
            f"/v1/payout/account-changes/{change.json()['id']}/approve",
            headers=auth_headers(platform, "clerk", subject="clerk-b"),
        )
        assert r.status_code == 200, r.text
        await run_payroll(client, platform, "2025-05")
        assert (
            await scalar(platform, f"SELECT status FROM payout.payment WHERE id = '{closed}'")
            == "reissued"
        )

        # The bank repeating its failure of the re-issued line: already recorded, no change.
        r = await post_results(client, platform, [failure])
        assert r.json() == {
            "recorded": 0,
            "already_recorded": 1,
            "suspense": 0,
            "suspense_references": [],
        }
        r = await post_results(client, platform, [{"reference": closed, "outcome": "paid"}])
        assert (r.status_code, r.json()["code"]) == (409, "result_conflict")
        staff = auth_headers(platform, "auditor")
        batch = await scalar(
            platform, f"SELECT batch_id::text FROM payout.payment WHERE id = '{closed}'"
        )
        b = (await client.get(f"/v1/payout/batches/{batch}", headers=staff)).json()
        assert b["reissued"]["count"] == 1 and b["paid"]["count"] == 1
        parts = ("paid", "failed", "reissued", "outstanding")
        assert sum(Decimal(b[k]["amount"]) for k in parts) == Decimal(b["total"]["amount"])
        assert sum(b[k]["count"] for k in parts) == b["total"]["count"] == 2


async def test_the_signature_is_checked_before_the_body_is_read(platform) -> None:
    """Whatever the body, an unsigned or badly signed post is a 401 with the signature's
    code; only a signed one learns (422) what is wrong with its body. Results and totals."""
    async with running_app(create_app(platform)) as client:
        ref = await month_of_lines(client, platform)
        batch = await scalar(
            platform, f"SELECT batch_id::text FROM payout.payment WHERE id = '{ref['退休81']}'"
        )
        totals_url = f"/v1/payout/bank/{PSBC}/batches/{batch}/totals"
        bank = auth_headers(platform, "bank", subject=PSBC) | {"content-type": "application/json"}
        bodies = {
            "malformed JSON": b'{"results": [',
            "not an object": b"[1, 2",
            "wrong shape": json.dumps({"results": [{"reference": "x", "outcome": 1}]}).encode(),
            "negative totals": json.dumps({"paid_count": -1, "paid_amount": "x"}).encode(),
            "empty": b"",
        }
        for url in (URL, totals_url):
            for label, raw in bodies.items():
                unsigned = await client.post(url, content=raw, headers=bank)
                assert unsigned.headers["content-type"] == PROBLEM_JSON, (url, label)
                assert (unsigned.status_code, unsigned.json()["code"]) == (
                    401,
                    "signature_missing",
                ), (url, label)
                forged = await client.post(
                    url, content=raw, headers=raw_headers(platform, raw + b" ", url)
                )
                assert (forged.status_code, forged.json()["code"]) == (
                    401,
                    "signature_invalid",
                ), (url, label)
                assert "errors" not in unsigned.json() and "errors" not in forged.json()

        # Signed, the same bodies are refused as what they are, each field named.
        malformed = await client.post(
            URL, content=b'{"results": [', headers=raw_headers(platform, b'{"results": [')
        )
        assert malformed.headers["content-type"] == PROBLEM_JSON
        assert (malformed.status_code, malformed.json()["code"]) == (422, "validation_failed")
        assert [e["type"] for e in malformed.json()["errors"]] == ["json_invalid"]
        typeless = {k: v for k, v in raw_headers(platform, b"{}").items() if k != "content-type"}
        r = await client.post(URL, content=b"{}", headers=typeless)
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
        assert [e["type"] for e in r.json()["errors"]] == ["json_expected"]
        wrong = bodies["wrong shape"]
        r = await client.post(URL, content=wrong, headers=raw_headers(platform, wrong))
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
        assert {e["field"] for e in r.json()["errors"]} == {
            "results.0.reference",
            "results.0.outcome",
        }
        negative = bodies["negative totals"]
        r = await client.post(
            totals_url, content=negative, headers=raw_headers(platform, negative, totals_url)
        )
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
        assert {e["field"] for e in r.json()["errors"]} == {
            "paid_count",
            "paid_amount",
            "failed_count",
            "failed_amount",
        }
        # A signed post refused for its body has spent its signature all the same.
        again = wrong + b"\n"  # other bytes: a signature of its own
        headers = raw_headers(platform, again)
        assert (await client.post(URL, content=again, headers=headers)).status_code == 422
        replay = await client.post(URL, content=again, headers=headers)
        assert (replay.status_code, replay.json()["code"]) == (401, "signature_replayed")
        assert await nothing_recorded(platform)
        assert await scalar(
            platform, f"SELECT bank_reported_at IS NULL FROM payout.batch WHERE id = '{batch}'"
        )
