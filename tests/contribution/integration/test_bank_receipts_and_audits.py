"""Bank receipts (signed, once per reference) and the unit audit's findings."""

import time
from collections.abc import AsyncIterator

import pytest

from services.contribution.config import get_settings
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from shared.http.bank_signature import MAX_SIGNED_BYTES, sign
from tests.conftest import auth_headers
from tests.contribution.helpers import (
    citizen_id,
    declare_and_approve,
    generate,
    plans,
    register,
    scalar,
    wage_lines,
)
from tests.job_wait import finished
from tests.support.contribution_banks import BANK, receipts_url, signed

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_bank_batch_is_recorded_once_per_reference(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县交通局": ("self", 2, "2019-01-01")}
    )
    unit = county.units["县交通局"]
    await declare_and_approve(
        contribution, platform, unit, 2020, wage_lines(county.persons["县交通局"], "6000.00")
    )
    await generate(contribution, platform, "2020-01")
    await generate(contribution, platform, "2020-02")
    code = unit["credit_code"]
    batch = {
        "receipts": [
            {
                "reference": "PSBC-0001",
                "unit_credit_code": code,
                "amount": "4320.00",
                "received_on": "2020-01-14",
            },
            {
                "reference": "PSBC-0002",
                "unit_credit_code": code,
                "amount": "2000.00",
                "received_on": "2020-02-20",
            },
        ]
    }
    url = f"/v1/contribution/bank/{BANK}/receipts"
    raw, headers = signed(platform, batch)
    r = await contribution.post(url, content=raw, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["recorded"], r.json()["already_recorded"]) == (2, 0)
    january, february = await plans(contribution, platform, unit)
    assert january["settled_on"] == "2020-01-14" and february["outstanding"] != "0.00"
    second = r.json()["results"][1]["receipt"]["allocations"][0]
    assert second["days_late"] == 5 and second["late_fee"] != "0.00"

    # The same signature again is a replay; a freshly signed repeat records nothing new.
    r = await contribution.post(url, content=raw, headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "signature_replayed"
    raw, headers = signed(platform, batch, later=1)
    r = await contribution.post(url, content=raw, headers=headers)
    assert (r.json()["recorded"], r.json()["already_recorded"]) == (0, 2)
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 2

    # Refusals write nothing: a changed amount under a known reference, a repeated
    # reference, a wrong secret, another bank's path (an unknown unit is held in suspense:
    # test_bank_suspense.py).
    receipts_before = await scalar(platform, "SELECT count(*) FROM contribution.receipt")
    refused = [
        (
            {"receipts": [{**batch["receipts"][0], "amount": "1.00"}]},
            {},
            409,
            "bank_reference_conflict",
        ),
        ({"receipts": [batch["receipts"][0], batch["receipts"][0]]}, {}, 422, "validation_failed"),
        (
            {"receipts": [{**batch["receipts"][0], "reference": "N2", "amount": "-5.00"}]},
            {},
            422,
            "validation_failed",
        ),
        (batch, {"secret": "wrong"}, 401, "signature_invalid"),
        (batch, {"bank": "bank-icbc"}, 403, "bank_forbidden"),
    ]
    for body, how, status, problem in refused:
        raw, headers = signed(platform, body, **how)
        target = f"/v1/contribution/bank/{how.get('bank', BANK)}/receipts"
        r = await contribution.post(target, content=raw, headers=headers)
        assert (r.status_code, r.json()["code"]) == (status, problem), r.text
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == receipts_before
    # Only banks may post there.
    r = await contribution.post(url, json=batch, headers=auth_headers(platform, "clerk"))
    assert r.status_code == 403
    # The signature is checked before the body: an unsigned, malformed post is a 401.
    r = await contribution.post(
        url, content=b"{not json", headers=auth_headers(platform, "bank", subject=BANK)
    )
    assert (r.status_code, r.json()["code"]) == (401, "signature_missing")


async def test_audit_finds_what_the_rules_describe(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment,
        contribution,
        platform,
        {"县林业局": ("full", 3, "2019-01-01"), "县水利局": ("full", 1, "2019-01-01")},
    )
    forestry, water = county.units["县林业局"], county.units["县水利局"]
    staff = county.persons["县林业局"]
    outsider = citizen_id(birth="19900101", seq="771")
    lines = [
        {"citizen_id": staff[0]["citizen_id"], "name": "甲", "wage": "3000.00"},  # below floor
        {"citizen_id": staff[1]["citizen_id"], "name": "乙", "wage": "6000.00"},
        {"citizen_id": outsider, "name": "编外", "wage": "6000.00"},  # declared, not insured
    ]  # staff[2] is insured but missing from the declaration
    await declare_and_approve(contribution, platform, forestry, 2020, lines)
    await generate(contribution, platform, "2020-01")  # never paid
    r = await contribution.post(
        "/v1/contribution/audits",
        headers=auth_headers(platform, "clerk"),
        json={"unit_id": forestry["id"], "year": 2020, "as_of": "2020-12-31"},
    )
    assert r.status_code == 201, r.text
    audit = r.json()
    kinds = {(f["kind"], f["citizen_id"]) for f in audit["findings"]}
    assert kinds == {
        ("not_insured", outsider),
        ("missing_from_declaration", staff[2]["citizen_id"]),
        ("base_below_floor", staff[0]["citizen_id"]),
        ("unpaid_month", None),
    }
    unpaid = next(f for f in audit["findings"] if f["kind"] == "unpaid_month")
    # 甲 at the floor 3567.60: 570.82 + 285.41 + 142.70; 乙 at 6000: 960 + 480 + 240
    assert unpaid["period"] == "2020-01-01" and unpaid["amount"] == "2678.93"

    # Follow-up: resolve once with a note; a second resolution is refused.
    url = f"/v1/contribution/audits/findings/{unpaid['id']}/resolution"
    body = {"status": "resolved", "note": "单位已补缴"}
    r = await contribution.post(url, headers=auth_headers(platform, "clerk"), json=body)
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    r = await contribution.post(url, headers=auth_headers(platform, "clerk"), json=body)
    assert r.status_code == 409
    r = await contribution.post(url, headers=auth_headers(platform, "auditor"), json=body)
    assert r.status_code == 403

    # The yearly run audits every unit once: the one without a declaration gets that finding.
    run = {"year": 2020, "as_of": "2020-12-31"}
    r = await finished(
        contribution,
        await contribution.post(
            "/v1/contribution/audits/yearly-run", headers=auth_headers(platform, "clerk"), json=run
        ),
    )
    assert r.json()["audited_units"] == 2
    assert r.json()["findings"]["no_declaration"] == {"open": 1}
    r = await finished(
        contribution,
        await contribution.post(
            "/v1/contribution/audits/yearly-run", headers=auth_headers(platform, "clerk"), json=run
        ),
    )
    assert (r.json()["audited_units"], r.json()["already_audited"]) == (0, 2)
    listed = await contribution.get(
        "/v1/contribution/audits",
        params={"unit_id": water["id"]},
        headers=auth_headers(platform, "auditor"),
    )
    assert listed.json()["total"] == 1
    assert listed.json()["items"][0]["counts"] == {"no_declaration": {"open": 1}}


async def test_a_bank_post_is_checked_for_its_signature_before_its_body(
    platform, start_apps
) -> None:
    [contribution] = await start_apps(contribution_app(platform))
    url = f"/v1/contribution/bank/{BANK}/receipts"
    malformed = [b"{", b'{"receipts": "no"}', b'{"receipts": [{"amount": 1e400}]}', b"[]"]
    for later, body in enumerate(malformed):
        _, headers = signed(platform, {"receipts": []}, later=later)
        unsigned = {k: v for k, v in headers.items() if k != "X-Signature"}
        r = await contribution.post(url, content=body, headers=unsigned)
        assert (r.status_code, r.json()["code"]) == (401, "signature_missing"), body
        forged = await contribution.post(url, content=body, headers=headers)  # other body
        assert (forged.status_code, forged.json()["code"]) == (401, "signature_invalid"), body
    for later, body in enumerate(malformed, start=10):
        ts = int(time.time()) + later
        _, headers = signed(platform, {}, later=later)
        secret = get_settings().bank_secrets[BANK][0]
        headers["X-Signature"] = sign(secret, ts, body, method="POST", target=url)
        r = await contribution.post(url, content=body, headers=headers)
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), body
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 0


async def test_a_bank_post_above_the_cap_is_refused_before_its_signature(
    platform, start_apps
) -> None:
    """A body beyond the bank cap is a 413, declared or streamed, signed or not, and
    records nothing (the same check as payout's: shared/http/bank_signature.py)."""
    [contribution] = await start_apps(contribution_app(platform))
    big = b'{"receipts": [' + b" " * (MAX_SIGNED_BYTES + 1) + b"]}"
    _, headers = signed(platform, {"receipts": []})
    ts = int(time.time())
    secret = get_settings().bank_secrets[BANK][0]
    headers |= {
        "X-Timestamp": str(ts),
        "X-Signature": sign(secret, ts, big, method="POST", target=receipts_url()),
    }

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 2**20):
            yield big[start : start + 2**20]

    declared = await contribution.post(receipts_url(), content=big, headers=headers)
    chunked = await contribution.post(receipts_url(), content=streamed(), headers=headers)
    unsigned = {k: v for k, v in headers.items() if k != "X-Signature"}
    anonymous = await contribution.post(receipts_url(), content=big, headers=unsigned)
    for r in (declared, chunked, anonymous):
        assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")
        assert r.json()["max_bytes"] == MAX_SIGNED_BYTES
    assert "content-length" not in chunked.request.headers
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 0
    seen = "SELECT count(*) FROM contribution.bank_signature_seen"
    assert await scalar(platform, seen) == 0
