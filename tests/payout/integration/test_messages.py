"""Payout answers in Chinese by default and in English on request, from its catalogues."""

import uuid

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.support.payout_parameters import TRIAL

pytestmark = pytest.mark.asyncio(loop_scope="session")

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


async def test_the_same_refusal_in_chinese_and_in_english(platform) -> None:
    async with running_app(create_app(platform)) as client:
        url = f"/v1/payout/retirees/{uuid.uuid4()}/account-changes"
        clerk = auth_headers(platform, "clerk")
        body = {
            "bank_code": "102",
            "account_number": "6222020000001234",
            "account_name": "张三",
            "reason": "换卡",
        }
        zh = await client.post(url, headers=clerk | {"Idempotency-Key": "messages-zh-1"}, json=body)
        en = await client.post(
            url, headers=clerk | ENGLISH | {"Idempotency-Key": "messages-en-1"}, json=body
        )
        assert zh.status_code == en.status_code == 404
        assert zh.json()["code"] == en.json()["code"] == "retiree_not_found"
        assert zh.json()["detail"] == "没有此退休人员。"
        assert en.json()["detail"] == "No such retiree."
        assert zh.json()["title"] == "未找到" and en.json()["title"] == "Not found"


async def test_validation_errors_name_the_field_in_the_callers_language(platform) -> None:
    async with running_app(create_app(platform)) as client:
        clerk = auth_headers(platform, "clerk")
        both = TRIAL | {"age_months": 720}
        zh = await client.post("/v1/payout/determinations/trial", headers=clerk, json=both)
        en = await client.post(
            "/v1/payout/determinations/trial", headers=clerk | ENGLISH, json=both
        )
        assert zh.status_code == en.status_code == 422
        assert zh.json()["errors"][0]["field"] == "age_months"
        assert (
            zh.json()["errors"][0]["message"]
            == "退休年龄请填写 retirement_age 或 age_months 之一。"
        )
        assert (
            en.json()["errors"][0]["message"] == "Give retirement_age or age_months (one of them)."
        )
        spelled = TRIAL | {"wage_base": "五千"}
        zh = await client.post("/v1/payout/determinations/trial", headers=clerk, json=spelled)
        assert zh.json()["errors"][0]["message"].startswith("金额须写作数字，最多两位小数")
        assert zh.json()["detail"] == "输入有误：wage_base"


async def test_code_tables_are_labelled_in_both_languages(platform) -> None:
    async with running_app(create_app(platform)) as client:
        clerk = auth_headers(platform, "clerk")
        zh = (await client.get("/v1/payout/code-tables", headers=clerk)).json()
        en = (await client.get("/v1/payout/code-tables", headers=clerk | ENGLISH)).json()
        assert zh["program"]["occupational_annuity"] == "职业年金"
        assert en["program"]["occupational_annuity"] == "Occupational annuity"
        assert zh.keys() == en.keys()
        assert all(zh[t].keys() == en[t].keys() for t in zh)
