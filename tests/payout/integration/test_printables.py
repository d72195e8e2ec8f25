"""The 待遇核定表 and the yearly payment notice: what they show, masked per role, opened
from a signed link with no token, printed by headless Chromium on A4 with Chinese text."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.payout.main import create_app
from tests.chromium import assert_a4_with_chinese, needs_chromium, print_pdf, signed_path
from tests.conftest import auth_headers, running_app
from tests.payout.integration.helpers import approve, key, retire, retirement, review, run_payroll
from tests.payout.parameters_helper import set_parameter
from tests.support.payout_banks import two_banks  # noqa: F401
from tests.support.payout_failed_lines import answer

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]


@needs_chromium
async def test_the_determination_sheet_shows_the_whole_determination(
    platform, tmp_path: Path
) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(51, retired_on=date(2019, 6, 30), age_months=70 * 12)
        [first] = await retire(client, platform, event)
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/old-method",
            headers=auth_headers(platform, "clerk", subject="maker") | key(),
            json={"final_salary": "5200.00", "service_years": 36, "allowances": "150.00"},
        )
        assert r.status_code == 201, r.text
        made = await review(client, platform, r.json()["id"])
        assert made["comparison"] is not None
        path = f"/v1/payout/determinations/{made['id']}/sheet"

        r = await client.get(signed_path(platform, path, "auditor"))
        assert r.status_code == 200, r.text
        sheet = r.text
        citizen_id = event.payload["citizen_id"]
        assert "退休51" in sheet and citizen_id not in sheet and citizen_id[:6] in sheet
        assert "本人平均缴费指数" in sheet and "老办法：退休前本人基本工资（元）" in sheet
        for figure in ("basic_pension", "account_pension", "transitional_pension"):
            assert f"{Decimal(made[figure]):,.2f}" in sheet
        assert f"{Decimal(made['monthly_amount']):,.2f}" in sheet
        assert "过渡期新老办法对比（保低限高）" in sheet
        assert f"{Decimal(made['comparison']['old_standard']):,.2f}" in sheet
        assert made["id"] not in sheet  # no UUID on paper
        for version in made["parameter_versions"].values():
            assert f'<td class="n">{version}</td>' in sheet
        assert "计发基数" in sheet  # the parameter's Chinese name
        assert all(who in sheet for who in ("maker", "clerk-a", "clerk-b"))

        clerk = await client.get(path, headers=auth_headers(platform, "clerk"))
        assert citizen_id in clerk.text

        pdf = print_pdf(sheet, tmp_path)
        assert_a4_with_chinese(pdf, "机关事业单位基本养老金待遇核定表", "保低限高", "经办与复核")


@needs_chromium
async def test_the_payment_notice_adds_up_the_year_month_by_month(platform, tmp_path: Path) -> None:
    async with running_app(create_app(platform)) as client:
        event = retirement(91)
        [first] = await retire(client, platform, event)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-05")  # April, May
        await answer(client, platform, set())
        # An over-payment found by a correction, recovered by offsets from June (as in
        # test_offsets.py): 5% of each line after tax.
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/corrections",
            headers=auth_headers(platform, "clerk") | key(),
            json={"basic_balance": "81000.00", "reason": "个人账户余额更正"},
        )
        assert r.status_code == 201, r.text
        await review(client, platform, r.json()["id"])
        finance = auth_headers(platform, "finance", subject="maker")
        cases = (
            await client.get("/v1/payout/recoveries", params={"person_id": person}, headers=finance)
        ).json()["items"]
        for case in cases:
            r = await client.post(
                f"/v1/payout/recoveries/{case['id']}/resolve",
                headers=finance | key(),
                json={"method": "offset"},
            )
            assert r.status_code == 200, r.text
            await approve(client, platform, f"/v1/payout/recoveries/{case['id']}/approve")
        await set_parameter(
            client,
            platform,
            {
                "name": "offset_deduction",
                "effective_from": "2025-01-01",
                "value": {"max_share": "0.05"},
            },
        )
        await run_payroll(client, platform, "2025-06")

        path = f"/v1/payout/retirees/{person}/payment-notice/2025"
        r = await client.get(signed_path(platform, path, "finance"))
        assert r.status_code == 200, r.text
        notice = r.text
        lines = (
            await client.get(
                f"/v1/payout/retirees/{person}/payments",
                params={"year": 2025},
                headers=auth_headers(platform, "clerk"),
            )
        ).json()["items"]
        gross = sum(Decimal(line["gross_amount"]) for line in lines)
        tax = sum(Decimal(line["tax_withheld"]) for line in lines)
        offsets = Decimal("229.73") + Decimal("24.25")  # June's two lines (test_offsets.py)
        assert f"应发 {gross:,.2f} 元" in notice
        assert f"代扣个人所得税 {tax:,.2f} 元" in notice and tax == Decimal("45.00")
        assert f"抵扣应追回款项 {offsets:,.2f} 元" in notice
        assert f"实发 {gross - tax - offsets:,.2f} 元" in notice
        assert "460.75" in notice  # June's annuity: 500.00 − 15.00 tax − 24.25 offset
        assert notice.count("2025年6月") == 2 and "已报盘待回盘" in notice
        assert event.payload["citizen_id"] not in notice  # finance sees masked ids
        assert event.payload["bank_account_number"] not in notice

        missing = await client.get(
            f"/v1/payout/retirees/{first['id']}/payment-notice/2025",
            headers=auth_headers(platform, "clerk"),
        )
        assert (missing.status_code, missing.json()["code"]) == (404, "retiree_not_found")

        pdf = print_pdf(notice, tmp_path)
        assert_a4_with_chinese(pdf, "年度养老待遇发放通知", "代扣个税", "职业年金", "全年合计")
