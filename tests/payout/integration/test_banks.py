"""Banks: files out, signed results back once per line, corrections re-issued, reconciliation."""

import asyncio
import csv
import io

import pytest
from openpyxl import load_workbook

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import retire, retirement, review, run_payroll
from tests.support.payout_banks import ICBC, PSBC, post_results, signed, two_banks  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.usefixtures("two_banks")
async def test_bank_files_results_corrections_and_reconciliation(platform) -> None:
    async with running_app(create_app(platform)) as client:
        a = (await retire(client, platform, retirement(31)))[0]
        b = (await retire(client, platform, retirement(32)))[0]
        c = (await retire(client, platform, retirement(33, bank_code="ICBC")))[0]
        for d in (a, b, c):
            await review(client, platform, d["id"])
        await run_payroll(client, platform, "2025-04")
        staff = auth_headers(platform, "finance")
        batches = (await client.get("/v1/payout/batches", headers=staff)).json()["items"]
        assert sorted((x["bank_code"], x["program"]) for x in batches) == [
            ("ICBC", "basic_pension"),
            ("ICBC", "occupational_annuity"),
            ("PSBC", "basic_pension"),
            ("PSBC", "occupational_annuity"),
        ]
        pension = next(
            x for x in batches if (x["bank_code"], x["program"]) == ("PSBC", "basic_pension")
        )
        assert pension["total"] == {"count": 2, "amount": "9585.42"}
        assert pension["outstanding"] == pension["total"] and not pension["reconciled"]

        # The bank lists its own batches and fetches the file.
        bank = auth_headers(platform, "bank", subject=PSBC)
        own = (await client.get(f"/v1/payout/bank/{PSBC}/batches", headers=bank)).json()["items"]
        assert {x["bank_code"] for x in own} == {"PSBC"} and len(own) == 2
        r = await client.get(
            f"/v1/payout/bank/{PSBC}/batches/{pension['id']}/file?format=csv", headers=bank
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == [
            "reference",
            "person_number",
            "name",
            "account_number",
            "amount",
            "period",
            "gross_amount",
            "tax_withheld",
        ]
        # The basic pension is untaxed: the bank pays the gross.
        assert rows[-1] == ["TOTAL", "2", "", "", "9585.42", "", "9585.42", "0.00"]
        lines = {row[1]: row for row in rows[1:-1]}
        assert lines[retirement(31).payload["citizen_id"]][4] == "4792.71"
        xlsx = await client.get(
            f"/v1/payout/bank/{PSBC}/batches/{pension['id']}/file?format=xlsx", headers=bank
        )
        sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[-1][:2] == ["TOTAL", "2"] and values[-1][4] == "9585.42"
        icbc = next(
            x for x in batches if (x["bank_code"], x["program"]) == ("ICBC", "basic_pension")
        )
        r = await client.get(f"/v1/payout/bank/{PSBC}/batches/{icbc['id']}/file", headers=bank)
        assert (r.status_code, r.json()["code"]) == (403, "batch_forbidden")

        ref = {row[1]: row[0] for row in rows[1:-1]}
        ref_a = ref[retirement(31).payload["citizen_id"]]
        ref_b = ref[retirement(32).payload["citizen_id"]]
        url = f"/v1/payout/bank/{PSBC}/results"
        paid = [{"reference": ref_a, "outcome": "paid"}]
        # Refusals change nothing.
        unsigned = await client.post(url, json={"results": paid}, headers=bank)
        assert unsigned.json()["code"] == "signature_missing"
        bad = await post_results(client, platform, paid, secret="wrong-secret-0123456789")
        assert bad.json()["code"] == "signature_invalid"
        stale = await post_results(client, platform, paid, skew=-3600)
        assert stale.json()["code"] == "signature_expired"
        raw, headers = signed(platform, {"results": paid})
        assert (await client.post(url, content=raw, headers=headers)).status_code == 200
        replay = await client.post(url, content=raw, headers=headers)
        assert (replay.status_code, replay.json()["code"]) == (401, "signature_replayed")
        unknown = await post_results(
            client, platform, [{"reference": icbc["id"], "outcome": "paid"}]
        )
        # An unknown reference is held for a clerk (待查明款项), not refused: test_bank_suspense.py
        assert (unknown.status_code, unknown.json()["suspense_references"]) == (200, [icbc["id"]])
        icbc_ref = await scalar(
            platform, f"SELECT id::text FROM payout.payment WHERE batch_id = '{icbc['id']}'"
        )
        foreign = await post_results(client, platform, [{"reference": icbc_ref, "outcome": "paid"}])
        assert (foreign.status_code, foreign.json()["code"]) == (403, "batch_forbidden")
        no_reason = await post_results(
            client, platform, [{"reference": ref_b, "outcome": "failed"}]
        )
        assert no_reason.status_code == 422
        conflict = await post_results(
            client, platform, [{"reference": ref_a, "outcome": "failed", "reason_code": "other"}]
        )
        assert (conflict.status_code, conflict.json()["code"]) == (409, "result_conflict")

        # The same failure posted three times at once: one effect.
        failed = [{"reference": ref_b, "outcome": "failed", "reason_code": "account_closed"}]
        answers = await asyncio.gather(*(post_results(client, platform, failed) for _ in range(3)))
        assert sorted(r.json()["recorded"] for r in answers) == [0, 0, 1]
        pension = (await client.get(f"/v1/payout/batches/{pension['id']}", headers=staff)).json()
        assert pension["paid"] == {"count": 1, "amount": "4792.71"}
        assert pension["failed"] == {"count": 1, "amount": "4792.71"}
        assert pension["outstanding"]["count"] == 0
        # Every line is final, but nothing is reconciled until the bank's totals agree.
        assert (pension["bank_agrees"], pension["reconciled"]) == (None, False)
        # Once ICBC has answered too, April's pensions are settled for budget (revision 1).
        assert (await client.get("/v1/payout/ledger/2025/settlements", headers=staff)).json()[
            "items"
        ] == []
        r = await post_results(client, platform, [{"reference": icbc_ref, "outcome": "paid"}], ICBC)
        assert r.json() == {
            "recorded": 1,
            "already_recorded": 0,
            "suspense": 0,
            "suspense_references": [],
        }
        settled = (await client.get("/v1/payout/ledger/2025/settlements", headers=staff)).json()[
            "items"
        ]
        assert [(x["program"], x["revision"], x["paid_count"]) for x in settled] == [
            ("basic_pension", 1, 2)
        ]
        assert (settled[0]["paid_amount"], settled[0]["failed_amount"]) == ("9585.42", "4792.71")
        assert (settled[0]["functional_code"], settled[0]["economic_code"]) == ("2080505", "30302")

        # The account is corrected; the author cannot approve it; another clerk does.
        change = await client.post(
            f"/v1/payout/retirees/{b['person_id']}/account-changes",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
            json={
                "bank_code": "PSBC",
                "account_number": "6221880099990001",
                "account_name": "退休32",
                "reason": "原账户已销户, 本人持新卡申请变更",
            },
        )
        assert change.status_code == 201, change.text
        own_approval = await client.post(
            f"/v1/payout/account-changes/{change.json()['id']}/approve",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
        )
        refused = (own_approval.status_code, own_approval.json()["code"])
        assert refused == (403, "four_eyes_required")
        # Not approved yet: the next run would still use the old account, so nothing re-issued.
        assert (
            await scalar(
                platform,
                f"SELECT account_number FROM payout.retiree WHERE person_id = '{b['person_id']}'",
            )
            == "6221880000000032"
        )
        approved = await client.post(
            f"/v1/payout/account-changes/{change.json()['id']}/approve",
            headers=auth_headers(platform, "clerk", subject="clerk-b"),
        )
        assert approved.status_code == 200 and approved.json()["status"] == "approved"

        may = await run_payroll(client, platform, "2025-05")
        assert may["payments"] == 3 * 2 + 1  # May for everyone, April's failed line again
        reissued = await scalar(
            platform,
            "SELECT account_number || ' ' || to_char(period, 'YYYY-MM') FROM payout.payment "
            "WHERE reissue_of IS NOT NULL",
        )
        assert reissued == "6221880099990001 2025-04"
        pension = (await client.get(f"/v1/payout/batches/{pension['id']}", headers=staff)).json()
        assert pension["reissued"] == {"count": 1, "amount": "4792.71"}
        assert pension["failed"]["count"] == 0
        totals = {"paid_count": 1, "paid_amount": "4792.71", "failed_count": 1}
        totals_url = f"/v1/payout/bank/{PSBC}/batches/{pension['id']}/totals"
        raw, headers = signed(platform, totals | {"failed_amount": "4792.70"}, target=totals_url)
        r = await client.post(totals_url, content=raw, headers=headers)
        assert r.status_code == 200, r.text
        assert (r.json()["bank_agrees"], r.json()["reconciled"]) == (False, False)
        reissued_ref = await scalar(
            platform, "SELECT id::text FROM payout.payment WHERE reissue_of IS NOT NULL"
        )
        r = await post_results(client, platform, [{"reference": reissued_ref, "outcome": "paid"}])
        assert r.json()["recorded"] == 1
        settled = (await client.get("/v1/payout/ledger/2025/settlements", headers=staff)).json()[
            "items"
        ]
        assert [(x["revision"], x["paid_count"], x["failed_amount"]) for x in settled] == [
            (1, 2, "4792.71"),
            (2, 3, "0.00"),
        ]
        events = await scalar(
            platform,
            "SELECT count(*) FROM payout.outbox "
            "WHERE subject = 'pension.payout.disbursement.settled'",
        )
        assert events == 2
        ledger = (await client.get("/v1/payout/ledger/2025", headers=staff)).json()["items"]
        april = [x for x in ledger if x["period"] == "2025-04" and x["program"] == "basic_pension"]
        assert sum(float(x["paid_amount"]) for x in april) == pytest.approx(14378.13)
        book = await client.get("/v1/payout/ledger/2025/xlsx", headers=staff)
        rows = list(
            load_workbook(io.BytesIO(book.content)).worksheets[0].iter_rows(values_only=True)
        )
        assert len(rows) == 1 + 3 * 2 * 2 + 1  # header, 3 people × 2 months × 2 programs, re-issue
        raw, headers = signed(platform, totals | {"failed_amount": "4792.71"}, target=totals_url)
        r = await client.post(totals_url, content=raw, headers=headers)
        assert (r.json()["bank_agrees"], r.json()["reconciled"]) == (True, True)
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()
        actions = {e["action"] for e in log["items"]}
        assert {
            "account_change.requested",
            "account_change.approved",
            "bank_results.recorded",
        } <= actions
