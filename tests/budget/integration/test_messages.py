"""Budget speaks Chinese by default and English on request, from its catalogues: the same
404 in both languages (the department by name and code), a validator's refusal in Chinese,
and the code tables (/code-tables, and /codes kept for the docs) labelled in either."""

import copy

import pytest

from services.budget.domain import labels
from services.budget.main import create_app
from tests.budget.integration.helpers import finance, load_seed, seed_years
from tests.conftest import auth_headers

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_messages_in_chinese_and_english(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    clerk = auth_headers(platform, "clerk")
    url = f"/v1/budget/departments/{department_id}/years/2018/findings"

    chinese = await client.get(url, headers=clerk)
    english = await client.get(url, headers={**clerk, "Accept-Language": "en"})
    assert chinese.status_code == english.status_code == 404
    zh, en = chinese.json(), english.json()
    assert zh["code"] == en["code"] == "year_not_found"
    code = zh["department_code"]
    assert zh["detail"] == (
        f"武胜县机关事业单位养老保险局（部门编码 {code}）没有2018年度的决算数据。"
    )
    assert en["detail"] == (
        f"武胜县机关事业单位养老保险局 (department code {code}) has no final accounts for 2018."
    )

    bad = copy.deepcopy(seed_years()[1])
    bad["income"][0]["actual"] = 8618.65  # a float: amounts are strings
    refused = await client.post("/v1/budget/imports", json=bad, headers=finance(platform))
    assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"
    [error] = refused.json()["errors"]
    assert error["field"] == "income.0.actual"
    assert error["message"] == '金额须写成字符串（如 "8677.03"），不接受浮点数。'

    unknown = await client.get(
        f"/v1/budget/departments/{department_id}/years/2020/parts/nothing",
        headers={**clerk, "Accept-Language": "en"},
    )
    assert unknown.json()["detail"] == "There is no part named “nothing”."


async def test_code_tables_are_labelled_in_either_language(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    reader = auth_headers(platform, "auditor")
    english = {**reader, "Accept-Language": "en"}
    zh = (await client.get("/v1/budget/code-tables", headers=reader)).json()
    en = (await client.get("/v1/budget/code-tables", headers=english)).json()
    assert zh["part"]["three_public"] == "“三公”经费财政拨款支出"
    assert en["part"]["three_public"] == "The three public expenses"
    assert zh["severity"] == labels.SEVERITIES and en["severity"]["error"] == "Error"

    codes_zh = (await client.get("/v1/budget/codes", headers=reader)).json()
    codes_en = (await client.get("/v1/budget/codes", headers=english)).json()
    assert codes_zh["quantities"] == labels.QUANTITIES
    assert codes_zh["fixed"]["income"] == labels.INCOME
    assert codes_en["funding_sources"]["general_budget"] == "General public budget"
    assert codes_en["functional"] == codes_zh["functional"]  # the classification: Chinese names
