"""The disclosure report (HTML with seven charts, XLSX tables) and the county roll-up."""

import copy
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from services.budget.main import create_app
from tests.budget.integration.helpers import finance, load_seed, seed_years
from tests.conftest import auth_headers
from tests.job_wait import finished

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_report_html_has_every_part_figure_and_the_seed_figures(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    answer = await client.get(
        f"/v1/budget/departments/{department_id}/years/2020/report",
        headers=auth_headers(platform, "clerk"),
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    html = answer.text
    for heading in (
        "第一部分 部门概况",
        "第二部分 2020年度部门决算情况说明",
        "第三部分 名词解释",
        "第四部分 附件",
        "十、其他重要事项的情况说明",
        "项目绩效目标完成情况表",
    ):
        assert heading in html
    assert len(re.findall(r'<figure class="chart" id="figure-\d"><svg', html)) == 7
    for n, title in enumerate(["收、支决算总计变动情况图", "收入决算结构图", "支出决算结构图"], 1):
        assert f"图{n}：{title}" in html
    # the document's figures, and the narrative filled from the data
    assert "2020年度收入总计8677.03万元、支出总计8679.75万元" in html
    assert "收入总计增加402.98万元，增长4.87%" in html
    assert "社会保障和就业支出（208类）支出5632.54万元，占65.33%" in html
    assert "基本工资10.84万元" in html  # economic names come from the code table
    assert "国内公务接待1批次，7人次" in html
    assert html.count("走访认证人数") >= 1 and "@page { size: A4" in html
    assert "[错误]" in html  # the findings are listed (on screen only)


async def test_report_xlsx_tables(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    answer = await client.get(
        f"/v1/budget/departments/{department_id}/years/2020/report",
        params={"format": "xlsx"},
        headers=auth_headers(platform, "auditor"),
    )
    assert answer.status_code == 200
    wb = load_workbook(BytesIO(answer.content))
    assert {"收入", "一般公共预算支出", "三公经费", "项目", "绩效指标", "一致性检查"} <= set(
        wb.sheetnames
    )
    rows = {r[0]: r for r in wb["一般公共预算支出"].iter_rows(min_row=3, values_only=True)}
    assert float(rows["教育支出"][2]) == 2979.51 and rows["教育支出"][3] == pytest.approx(
        0.3456, 1e-3
    )
    indicators = list(wb["绩效指标"].iter_rows(min_row=3, values_only=True))
    assert len(indicators) == 39 and indicators[0][4] == "走访认证人数"


async def test_no_data_is_a_404_problem(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    answer = await client.get(
        f"/v1/budget/departments/{department_id}/years/2017/report",
        headers=auth_headers(platform, "clerk"),
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert "没有2017年度的决算数据" in answer.json()["detail"]


async def test_county_rollup_over_two_departments(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    await load_seed(client, platform)
    other = copy.deepcopy(seed_years()[1])
    other["department"] = {"code": "wusheng-other", "name": "武胜县测试局", "county": "武胜县"}
    other["functional"] = [{"code": "208", "budget": "100", "actual": "100.5"}]
    answer = await client.post("/v1/budget/imports", json=other, headers=finance(platform))
    answer = await finished(client, answer)  # the import's job, done
    assert answer.status_code == 200, answer.text
    clerk = auth_headers(platform, "clerk")
    rollup = (
        await client.get(
            "/v1/budget/rollup", params={"county": "武胜县", "year": 2020}, headers=clerk
        )
    ).json()
    assert rollup["departments"] == ["武胜县机关事业单位养老保险局", "武胜县测试局"]
    functions = {x["code"]: (x["amount"], x["departments"]) for x in rollup["by_function"]}
    assert functions["208"] == ("5733.04", 2) and functions["205"] == ("2979.51", 1)
    sources = {x["code"]: x["amount"] for x in rollup["by_source"]}
    assert sources["general_budget"] == "17237.3"
    xlsx = await client.get(
        "/v1/budget/rollup",
        params={"county": "武胜县", "year": 2020, "format": "xlsx"},
        headers=clerk,
    )
    wb = load_workbook(BytesIO(xlsx.content))
    assert wb.sheetnames[:3] == ["按收入来源", "按支出性质", "按功能分类"]
    none = await client.get(
        "/v1/budget/rollup", params={"county": "岳池县", "year": 2020}, headers=clerk
    )
    assert none.status_code == 404
