"""The clerks' retiree list: filters by status, certification due and bank; pages; XLSX."""

import io

import pytest
from openpyxl import load_workbook

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.job_wait import finished
from tests.payout.integration.helpers import retire, retirement

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_retirees_are_listed_by_status_certification_due_and_bank(platform) -> None:
    async with running_app(create_app(platform)) as client:
        banks = {71: "PSBC", 72: "ICBC", 73: "PSBC"}
        people = {
            n: (await retire(client, platform, retirement(n, bank_code=bank)))[0]["person_id"]
            for n, bank in banks.items()
        }
        clerk = auth_headers(platform, "clerk")
        r = await client.post(
            f"/v1/payout/retirees/{people[73]}/certifications",
            headers=clerk,
            json={"method": "online", "certified_on": "2026-03-01"},
        )
        assert r.status_code == 201, r.text
        r = await finished(
            client,
            await client.post(
                "/v1/payout/certification/suspension-runs",
                headers=clerk,
                json={"as_of": "2026-04-15"},
            ),
        )
        assert r.json()["suspended"] == 2

        def names(response) -> list[str]:
            assert response.status_code == 200, response.text
            return [i["name"] for i in response.json()["items"]]

        everyone = await client.get("/v1/payout/retirees", headers=clerk)
        assert names(everyone) == ["退休71", "退休72", "退休73"]
        assert everyone.json()["total"] == 3
        page = await client.get("/v1/payout/retirees?limit=2&offset=2", headers=clerk)
        assert (names(page), page.json()["total"]) == (["退休73"], 3)
        active = await client.get("/v1/payout/retirees?status=active", headers=clerk)
        assert names(active) == ["退休73"]
        assert active.json()["items"][0]["certification_due_on"] == "2027-03-01"
        suspended = await client.get("/v1/payout/retirees?status=suspended", headers=clerk)
        assert {i["status_label"] for i in suspended.json()["items"]} == {"暂停发放"}
        due = await client.get("/v1/payout/retirees?certification_due_by=2026-12-31", headers=clerk)
        assert names(due) == ["退休71", "退休72"]  # due 2026-03-15; 73 is due 2027-03-01
        psbc = await client.get("/v1/payout/retirees?bank_code=PSBC", headers=clerk)
        assert names(psbc) == ["退休71", "退休73"]
        auditor = await client.get(
            "/v1/payout/retirees?bank_code=ICBC", headers=auth_headers(platform, "auditor")
        )
        assert "*" in auditor.json()["items"][0]["citizen_id"]
        bad = await client.get("/v1/payout/retirees?status=gone", headers=clerk)
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "status")

        book = await client.get("/v1/payout/retirees?status=suspended&format=xlsx", headers=clerk)
        rows = list(
            load_workbook(io.BytesIO(book.content)).worksheets[0].iter_rows(values_only=True)
        )
        assert [(r[2], r[4], r[6]) for r in rows[1:]] == [
            ("退休71", "暂停发放", "PSBC"),
            ("退休72", "暂停发放", "ICBC"),
        ]
