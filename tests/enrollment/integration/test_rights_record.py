"""The personal rights record is reproducible from the postings and adds up; its printable
page opens from a signed link, masked per role, and prints on A4 with Chinese text."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.enrollment.main import create_app
from tests.chromium import CHROMIUM, assert_a4_with_chinese, print_pdf, signed_path
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    acked,
    credits,
    enrol,
    publish,
    register_unit,
)
from tests.job_wait import finished
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_statement_adds_up_and_is_reproducible(platform, tmp_path: Path) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [p] = await enrol(client, platform, unit, 1)
        batches = [
            ("2019-12", date(2019, 12, 20), "400.00", "200.00", "400.00", "5000.00"),
            ("2020-01", date(2020, 2, 10), "416.00", "208.00", "416.00", "5200.00"),
            ("2020-02", date(2020, 3, 10), "416.00", "208.00", "416.00", "5200.00"),
        ]
        for period, on, basic, funded, notional, base in batches:
            await publish(
                platform, credits(unit["id"], period, on, [(p, basic, funded, notional, base)])
            )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 3))
        r = await finished(
            client,
            await client.post(
                "/v1/enrollment/interest-runs",
                headers=auth_headers(platform, "finance"),
                json={"year": 2020},
            ),
        )
        assert r.status_code == 200

        clerk = auth_headers(platform, "clerk")
        first = (
            await client.get(f"/v1/enrollment/persons/{p}/rights-record/2020", headers=clerk)
        ).json()
        again = (
            await client.get(f"/v1/enrollment/persons/{p}/rights-record/2020", headers=clerk)
        ).json()
        assert first == again
        assert first["months_contributed"] == 2
        assert [(m["period"], m["contribution_base"], m["basic"]) for m in first["months"]] == [
            ("2020-01", "5200.00", "416.00"),
            ("2020-02", "5200.00", "416.00"),
        ]
        basic = next(a for a in first["accounts"] if a["kind"] == "basic")
        assert basic["opening_balance"] == "400.00"
        assert basic["contributions"] == "832.00"
        # 400 x 6.04% + 416 x 6.04% x 10/12 + 416 x 6.04% x 9/12
        # = 24.16 + 20.93867 + 18.8448 = 63.94347 -> 63.94
        assert basic["interest"] == "63.94"
        for account in first["accounts"]:
            assert Decimal(account["closing_balance"]) == Decimal(account["opening_balance"]) + sum(
                Decimal(x["amount"]) for x in account["postings"]
            )
        balances = (
            await client.get(
                f"/v1/enrollment/persons/{p}/accounts",
                params={"as_of": "2020-12-31"},
                headers=clerk,
            )
        ).json()["items"]
        assert {b["kind"]: b["balance"] for b in balances} == {
            a["kind"]: a["closing_balance"] for a in first["accounts"]
        }

        # Opened from a signed link (a browser, no Authorization header), as an auditor.
        html = f"/v1/enrollment/persons/{p}/rights-record/2020/html"
        page = await client.get(signed_path(platform, html, "auditor"))
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "2020 年度个人权益记录" in page.text and "1,295.94" in page.text
        assert first["person"]["citizen_id"] not in page.text  # masked for the auditor
        page = await client.get(signed_path(platform, html, "clerk"))
        assert first["person"]["citizen_id"] in page.text
        if CHROMIUM is not None:
            pdf = print_pdf(page.text, tmp_path)
            assert_a4_with_chinese(pdf, "年度个人权益记录", "账户情况", "缴费明细", "记账利息")
        missing = await client.get(
            "/v1/enrollment/persons/00000000-0000-0000-0000-000000000000/rights-record/2020",
            headers=clerk,
        )
        assert missing.status_code == 404
