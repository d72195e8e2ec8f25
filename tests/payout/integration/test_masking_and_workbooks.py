"""Finance and auditors see citizen ids and account numbers masked in every payout list, file
and workbook; clerks see them in full. Workbooks have Chinese headers and keep text as text."""

import io
import re

import pytest
from openpyxl import load_workbook

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.job_wait import finished
from tests.payout.integration.helpers import approve, retire, retirement, review, run_payroll

pytestmark = pytest.mark.asyncio(loop_scope="session")
CJK = re.compile(r"[\u4e00-\u9fff]")


def workbook_cells(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


async def test_ids_and_accounts_are_masked_for_finance_and_auditors(platform) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(91, name="=1+2", bank_account_name="退休91")
        [d] = await retire(client, platform, event)
        await review(client, platform, d["id"])
        person, citizen = d["person_id"], event.payload["citizen_id"]
        account = event.payload["bank_account_number"]
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        r = await client.post(
            f"/v1/payout/retirees/{person}/account-changes",
            headers=clerk,
            json={
                "bank_code": "PSBC",
                "account_number": "6221880077770091",
                "account_name": "退休91",
                "reason": "换卡",
            },
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            f"/v1/payout/retirees/{person}/subsidies",
            headers=clerk,
            json={"program": "living_subsidy", "from_quarter": "2025-Q2"},
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        assert (
            await finished(
                client,
                await client.post(
                    "/v1/payout/subsidy-runs", headers=clerk, json={"quarter": "2025-Q2"}
                ),
            )
        ).status_code == 200
        await run_payroll(client, platform, "2025-04")
        batches = (await client.get("/v1/payout/batches", headers=clerk)).json()["items"]
        pension = next(b for b in batches if b["program"] == "basic_pension")
        urls = [
            "/v1/payout/retirees",
            "/v1/payout/retirees?format=xlsx",
            "/v1/payout/retirees?format=csv",
            "/v1/payout/certification/due-soon?as_of=2026-03-01",
            "/v1/payout/certification/due-soon?as_of=2026-03-01&format=xlsx",
            f"/v1/payout/retirees/{person}/account-changes",
            "/v1/payout/one-offs",
            f"/v1/payout/batches/{pension['id']}/file?format=csv",
            f"/v1/payout/batches/{pension['id']}/file?format=xlsx",
            "/v1/payout/ledger/2025/xlsx",
            "/v1/payout/audit-log",
        ]
        secrets = (citizen, account, "6221880077770091")
        for role in ("finance", "auditor", "clerk"):
            headers = auth_headers(platform, role)
            for url in urls:
                r = await client.get(url, headers=headers)
                if url == "/v1/payout/audit-log" and role != "auditor":
                    assert r.status_code == 403
                    continue
                assert r.status_code == 200, (role, url, r.text)
                if "xlsx" in url:
                    rows = workbook_cells(r.content)
                    text = " ".join(str(v) for row in rows for v, _ in row)
                    assert all(CJK.search(str(h)) for h, _ in rows[0]), url
                    assert ("=1+2", "f") not in [c for row in rows for c in row], url
                else:
                    text = r.text
                shown = [s for s in secrets if s in text]
                if role == "clerk":
                    assert shown, (role, url)  # the clerk's copy is in full
                else:
                    assert not shown, (role, url, shown)
                    assert "****" in text, (role, url)  # masked, not left out
        names = workbook_cells(
            (await client.get("/v1/payout/retirees?format=xlsx", headers=clerk)).content
        )
        assert ("=1+2", "s") in names[1]  # the name as text, not a formula
