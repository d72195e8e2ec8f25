"""待查明款项: a bank line naming no unit is held while the rest of the post is recorded;
a clerk resolves it with a second person; a bank lists only its own posts."""

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import (
    declare_and_approve,
    generate,
    plans,
    register,
    scalar,
    wage_lines,
)
from tests.support.contribution_banks import BANK, signed

pytestmark = pytest.mark.asyncio(loop_scope="session")
URL = f"/v1/contribution/bank/{BANK}/receipts"
NOBODY = "12330522MB0009999X"  # a well-formed credit code of no unit on the roster


def line(reference: str, code: str, amount: str, on: str = "2020-01-14") -> dict:
    return {"reference": reference, "unit_credit_code": code, "amount": amount, "received_on": on}


async def test_an_unknown_payer_is_held_and_resolved_by_two_people(platform, start_apps) -> None:
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
    post = {
        "receipts": [
            line("PSBC-S1", unit["credit_code"], "100.00"),
            line("PSBC-S2", NOBODY, "4220.00"),  # the payer mistyped its credit code
            line("PSBC-S3", NOBODY, "55.00", "2020-01-20"),  # money no unit of ours sent
        ]
    }
    raw, headers = signed(platform, post)
    r = await contribution.post(URL, content=raw, headers=headers)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["recorded"], answer["already_recorded"], answer["suspense"]) == (1, 0, 2)
    outcomes = [(x["reference"], x["outcome"]) for x in answer["results"]]
    assert outcomes == [("PSBC-S1", "recorded"), ("PSBC-S2", "suspense"), ("PSBC-S3", "suspense")]
    held = answer["results"][1]["suspense"]
    assert (held["status"], held["status_label"], held["amount"]) == ("open", "待查明", "4220.00")
    assert answer["results"][1]["receipt"] is None
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 1

    # The same post again records nothing and answers each line as before.
    raw, headers = signed(platform, post, later=1)
    again = (await contribution.post(URL, content=raw, headers=headers)).json()
    assert (again["recorded"], again["already_recorded"], again["suspense"]) == (0, 1, 2)
    assert await scalar(platform, "SELECT count(*) FROM contribution.bank_suspense") == 2
    # A held reference posted with other content is a conflict, like a recorded one.
    raw, headers = signed(platform, {"receipts": [line("PSBC-S2", NOBODY, "1.00")]}, later=2)
    r = await contribution.post(URL, content=raw, headers=headers)
    assert (r.status_code, r.json()["code"]) == (409, "bank_reference_conflict")

    # The clerks' work list; a match proposed by one clerk waits for a second person.
    clerk, clerk2 = (auth_headers(platform, "clerk", subject=s) for s in ("clerk-a", "clerk-b"))
    listed = await contribution.get(
        "/v1/contribution/suspense", params={"status": "open"}, headers=clerk
    )
    assert [x["reference"] for x in listed.json()["items"]] == ["PSBC-S3", "PSBC-S2"]
    base = f"/v1/contribution/suspense/{held['id']}"
    r = await contribution.post(
        f"{base}/match",
        json={"unit_id": unit["id"], "note": "来电确认为县交通局缴费, 信用代码填错"},
        headers={**clerk, "Idempotency-Key": "match-s2"},
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    r = await contribution.post(f"{base}/approve", json={}, headers=clerk)
    assert (r.status_code, r.json()["code"]) == (403, "four_eyes_required")
    r = await contribution.post(f"{base}/approve", json={}, headers=auth_headers(platform, "admin"))
    assert (r.status_code, r.json()["code"]) == (403, "approver_role_required")
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 1
    r = await contribution.post(
        f"{base}/approve",
        json={"note": "核对无误"},
        headers={**clerk2, "Idempotency-Key": "approve-match-s2"},
    )
    assert r.status_code == 200, r.text
    matched = r.json()
    assert (matched["status"], matched["decided_by"]) == ("matched", "clerk-b")
    # The money is the unit's now: under the bank's reference, paying the unit's plan.
    january = (await plans(contribution, platform, unit))[0]
    assert january["settled_on"] == "2020-01-14"
    mine = await contribution.get(
        f"/v1/contribution/bank/{BANK}/receipts",
        params={"reference": "PSBC-S2"},
        headers=auth_headers(platform, "bank", subject=BANK),
    )
    assert [x["id"] for x in mine.json()["items"]] == [matched["receipt_id"]]
    # The bank's statement posted again: the matched line is answered as held, with its receipt.
    raw, headers = signed(platform, post, later=3)
    again = (await contribution.post(URL, content=raw, headers=headers)).json()
    assert (again["recorded"], again["already_recorded"], again["suspense"]) == (0, 1, 2)
    resolved = again["results"][1]
    assert (resolved["outcome"], resolved["suspense"]["status"]) == ("suspense", "matched")
    assert resolved["receipt"]["id"] == matched["receipt_id"]

    # Money no unit sent goes back to the bank: a rejected proposal reopens the line.
    other = answer["results"][2]["suspense"]["id"]
    base = f"/v1/contribution/suspense/{other}"
    r = await contribution.post(
        f"{base}/return",
        json={"note": "无此单位"},
        headers={**clerk, "Idempotency-Key": "return-s3-first"},
    )
    assert r.status_code == 200 and r.json()["action"] == "return", r.text
    r = await contribution.post(f"{base}/reject", json={}, headers=clerk2)
    assert (r.status_code, r.json()["code"]) == (422, "note_required")
    r = await contribution.post(f"{base}/reject", json={"note": "先查开户行"}, headers=clerk2)
    assert (r.json()["status"], r.json()["decision_note"]) == ("open", "先查开户行")
    r = await contribution.post(
        f"{base}/return",
        json={"note": "开户行确认非本县单位"},
        headers={**clerk2, "Idempotency-Key": "return-s3-second"},
    )
    r = await contribution.post(
        f"{base}/approve", json={}, headers={**clerk, "Idempotency-Key": "approve-return-s3"}
    )
    assert (r.json()["status"], r.json()["status_label"]) == ("returned", "已退回银行")
    r = await contribution.post(f"{base}/approve", json={}, headers=clerk2)
    assert (r.status_code, r.json()["code"]) == (409, "suspense_not_submitted")
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 2

    # Every step is in the audit log.
    actions = await scalar(
        platform,
        "SELECT string_agg(action, ',' ORDER BY id) FROM contribution.audit_log "
        "WHERE object_type = 'bank_suspense'",
    )
    assert actions == (
        "bank_suspense.match_submitted,bank_suspense.matched,bank_suspense.return_submitted,"
        "bank_suspense.rejected,bank_suspense.return_submitted,bank_suspense.returned"
    )


async def test_a_bank_lists_only_its_own_posts(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县林业局": ("full", 1, "2019-01-01")}
    )
    code = county.units["县林业局"]["credit_code"]
    post = {
        "receipts": [
            line("P-1", code, "10.00", "2020-01-10"),
            line("P-2", code, "20.00", "2020-02-10"),
            line("P-3", NOBODY, "30.00", "2020-02-11"),
        ]
    }
    raw, headers = signed(platform, post)
    assert (await contribution.post(URL, content=raw, headers=headers)).status_code == 200
    psbc = auth_headers(platform, "bank", subject=BANK)
    feb = await contribution.get(
        f"/v1/contribution/bank/{BANK}/receipts",
        params={"received_from": "2020-02-01", "received_to": "2020-02-29"},
        headers=psbc,
    )
    assert [(x["reference"], x["amount"]) for x in feb.json()["items"]] == [("P-2", "20.00")]
    assert feb.json()["total"] == 1
    everything = await contribution.get(f"/v1/contribution/bank/{BANK}/receipts", headers=psbc)
    assert [x["reference"] for x in everything.json()["items"]] == ["P-2", "P-1"]
    held = await contribution.get(f"/v1/contribution/bank/{BANK}/suspense", headers=psbc)
    assert [x["reference"] for x in held.json()["items"]] == ["P-3"]

    # Another bank sees none of it: not through PSBC's paths, and its own lists are empty.
    icbc = auth_headers(platform, "bank", subject="bank-icbc")
    for path in ("receipts", "suspense"):
        r = await contribution.get(f"/v1/contribution/bank/{BANK}/{path}", headers=icbc)
        assert (r.status_code, r.json()["code"]) == (403, "bank_forbidden")
        r = await contribution.get(f"/v1/contribution/bank/bank-icbc/{path}", headers=icbc)
        assert (r.status_code, r.json()["total"], r.json()["items"]) == (200, 0, [])
    # Staff use the staff lists, not a bank's.
    r = await contribution.get(
        f"/v1/contribution/bank/{BANK}/receipts", headers=auth_headers(platform, "clerk")
    )
    assert r.status_code == 403
