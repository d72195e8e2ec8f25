"""Importing a department-year, reading its parts and findings, and refusing bad input."""

import copy
from io import BytesIO

import pytest
from openpyxl import load_workbook

from services.budget.main import create_app
from tests.budget.integration.helpers import finance, load_seed, seed_years
from tests.conftest import auth_headers
from tests.job_wait import finished

pytestmark = pytest.mark.asyncio(loop_scope="session")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def seed_json(year: int) -> dict:
    return next(y for y in seed_years() if y["year"] == year)


async def test_seed_import_parts_and_findings(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    clerk = auth_headers(platform, "clerk")

    listed = (await client.get("/v1/budget/departments", headers=clerk)).json()["items"]
    assert [(d["name"], d["years"]) for d in listed] == [
        ("武胜县机关事业单位养老保险局", [2019, 2020])
    ]

    part = (
        await client.get(
            f"/v1/budget/departments/{department_id}/years/2020/parts/functional", headers=clerk
        )
    ).json()
    lines = {x["code"]: (x["label"], x["actual"]) for x in part["lines"]}
    assert lines["208"] == ("社会保障和就业支出", "5632.54") and part["unit"] == "万元"

    findings = (
        await client.get(
            f"/v1/budget/departments/{department_id}/years/2020/findings",
            headers=auth_headers(platform, "auditor"),
        )
    ).json()["items"]
    codes = [(f["severity"], f["code"]) for f in findings]
    assert codes[0][0] == "error"
    assert ("error", "growth_rate_mismatch") in codes and ("error", "stated_differently") in codes
    assert ("warning", "share_mismatch") in codes
    twice = next(f for f in findings if f["code"] == "stated_differently")
    assert [p["value"] for p in twice["places"]] == ["4.87%", "4.90%"]

    audit = (
        await client.get("/v1/budget/audit-log", headers=auth_headers(platform, "auditor"))
    ).json()
    # Each import: queued by the request, stored by its job.
    assert {e["action"] for e in audit["items"]} == {
        "department_year.import_queued",
        "department_year.imported",
    }


async def test_bad_input_is_refused_whole_naming_each_field(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    body = copy.deepcopy(seed_years()[1])
    body["functional"][1]["code"] = "999"
    body["statements"][0]["subject"] = "income.nothing"
    answer = await client.post("/v1/budget/imports", json=body, headers=finance(platform))
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "import_invalid"
    assert {e["field"] for e in problem["errors"]} == {"functional.1.code", "statements.0.subject"}

    for path, value in (
        (("income", 0, "actual"), "-1.00"),
        (("statements", 3, "value"), "101"),
        (("projects", 0, "indicators", 0, "expected"), ""),
        (("income", 0, "actual"), 8618.65),
    ):
        bad = copy.deepcopy(seed_years()[1])
        target = bad
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        if path[0] == "statements":
            bad["statements"][3]["kind"] = "share"
        answer = await client.post("/v1/budget/imports", json=bad, headers=finance(platform))
        assert answer.status_code == 422, (path, answer.text)
        assert ".".join(str(p) for p in path) in answer.text

    listed = await client.get("/v1/budget/departments", headers=auth_headers(platform, "clerk"))
    assert listed.json()["items"] == []  # nothing written


async def test_missing_year_is_a_clear_404_and_clerks_cannot_import(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    clerk = auth_headers(platform, "clerk")
    answer = await client.get(
        f"/v1/budget/departments/{department_id}/years/2018/findings", headers=clerk
    )
    assert answer.status_code == 404 and answer.json()["code"] == "year_not_found"
    assert "2018" in answer.json()["detail"]
    refused = await client.post(
        "/v1/budget/imports", json=seed_years()[1], headers={**clerk, "Idempotency-Key": "k1"}
    )
    assert refused.status_code == 403


async def test_replacing_a_part_keeps_the_old_version(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    url = f"/v1/budget/departments/{department_id}/years/2020/parts/three_public"
    lines = [{"code": "reception_domestic", "budget": "0.50", "actual": "0.04"}]
    answer = await client.put(url, json=lines, headers=finance(platform))
    assert answer.status_code == 201, answer.text
    assert answer.json()["version"] == 2
    part = (await client.get(url, headers=auth_headers(platform, "clerk"))).json()
    assert [(x["code"], x["budget"]) for x in part["lines"]] == [("reception_domestic", "0.50")]
    # The new version's audit entry holds the part's lines before and after.
    log = await client.get(
        "/v1/budget/audit-log",
        params={"action": "department_year.imported"},
        headers=auth_headers(platform, "auditor"),
    )
    changed = log.json()["items"][0]["detail"]["changes"]["three_public"]
    assert changed["after"] == [{"code": "reception_domestic", "budget": "0.50", "actual": "0.04"}]
    assert changed["before"] and changed["before"] != changed["after"]
    refused = await client.put(
        url, json=[{"code": "taxi", "actual": "1"}], headers=finance(platform)
    )
    assert refused.status_code == 422 and "three_public.0.code" in refused.text


async def test_xlsx_template_round_trip_and_errors_by_cell(platform, start_apps) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    clerk = auth_headers(platform, "clerk")
    empty = await client.get("/v1/budget/imports/template.xlsx", headers=clerk)
    sheets = load_workbook(BytesIO(empty.content)).sheetnames
    assert {
        "部门",
        "收入决算",
        "一般公共预算财政拨款支出（功能分类）",
        "项目",
        "绩效指标",
        "陈述",
    } <= set(sheets)

    filled = await client.get(
        f"/v1/budget/departments/{department_id}/years/2020/workbook", headers=clerk
    )
    answer = await client.post(
        "/v1/budget/imports/xlsx",
        content=filled.content,
        headers={**finance(platform), "content-type": XLSX},
    )
    answer = await finished(client, answer)  # the import's job, done
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2 and answer.json()["indicators"] == 39
    same = await client.get(f"/v1/budget/departments/{department_id}/years/2020", headers=clerk)
    stated = [
        {k: v for k, v in x.items() if v not in (None, "")} for x in same.json()["statements"]
    ]
    assert stated == seed_json(2020)["statements"]

    wb = load_workbook(BytesIO(filled.content))
    wb["收入决算"]["D2"] = -5  # a negative amount
    wb["一般公共预算财政拨款支出（功能分类）"]["A3"] = "999"  # an unknown code
    wb["绩效指标"]["E2"] = None  # an indicator without its expected value
    out = BytesIO()
    wb.save(out)
    refused = await client.post(
        "/v1/budget/imports/xlsx",
        content=out.getvalue(),
        headers={**finance(platform), "content-type": XLSX},
    )
    assert refused.status_code == 422
    cells = {(e["sheet"], e["row"], e["column"]) for e in refused.json()["errors"]}
    assert cells == {("收入决算", 2, "D"), ("绩效指标", 2, "E")}  # the code waits for a clean file
    messages = {e["sheet"]: e["message"] for e in refused.json()["errors"]}
    assert messages == {"收入决算": "金额不能为负数。", "绩效指标": "缺少必填值"}
    wb["收入决算"]["D2"] = "8618.65"
    wb["绩效指标"]["E2"] = "120人"
    out = BytesIO()
    wb.save(out)
    refused = await client.post(
        "/v1/budget/imports/xlsx",
        content=out.getvalue(),
        headers={**finance(platform), "content-type": XLSX},
    )
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["sheet"], error["row"], error["column"]) == (
        "一般公共预算财政拨款支出（功能分类）",
        3,
        "A",
    )
    versions = await client.get("/v1/budget/departments", headers=clerk)
    assert versions.json()["items"][0]["years"] == [2019, 2020]
    garbage = await client.post(
        "/v1/budget/imports/xlsx",
        content=b"not a workbook",
        headers={**finance(platform), "content-type": XLSX},
    )
    assert garbage.status_code == 422 and garbage.json()["code"] == "workbook_unreadable"
