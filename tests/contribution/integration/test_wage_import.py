"""The wage upload reads clerks' files (issue #19 item 2): amount spellings, a GBK CSV with a
title row, persons of another unit and names unlike the register refused row by row; its
report is kept and downloads as XLSX; its template reads back."""

import io

import pytest
from openpyxl import load_workbook

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import citizen_id, register, scalar
from tests.job_wait import imported

pytestmark = pytest.mark.asyncio(loop_scope="session")
AMOUNTS = ["5,200.00", "￥5200.00", " 4,800 ", "5200元", "￥ 6,000.50"]


def gbk_csv(rows: list[list[str]]) -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode("gbk") + b"\r\n"


async def test_amount_spellings_and_register_refusals(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment,
        contribution,
        platform,
        {"县教育局": ("full", 6, "2019-01-01"), "县卫生局": ("full", 1, "2019-01-01")},
    )
    ours, theirs = county.persons["县教育局"], county.persons["县卫生局"][0]
    clerk = auth_headers(platform, "clerk")
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": county.units["县教育局"]["id"], "year": 2020, "lines": []},
    )
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    rows = [
        ["2020年度缴费工资申报表"],
        ["身份证号", "姓名", "上年月平均工资（元）"],
        *[[p["citizen_id"], p["name"], f'"{a}"'] for p, a in zip(ours, AMOUNTS, strict=False)],
        [theirs["citizen_id"], theirs["name"], "5000"],  # insured under 县卫生局
        [ours[5]["citizen_id"], "别人", "5000"],  # not the registered name
        [citizen_id(seq="991"), "新人", '"5,2000"'],  # a misplaced separator
    ]
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/upload",
        headers=clerk,
        files={"file": ("工资.csv", gbk_csv(rows))},
    )
    r = await imported(contribution, r, clerk)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["header_row"], report["accepted"], report["failed"]) == (2, 5, 3), [
        (r["row"], r["status"]) for r in report["rows"]
    ]
    refused = {row["row"]: row["errors"][0] for row in report["rows"] if row["status"] == "failed"}
    assert {row: e["code"] for row, e in refused.items()} == {
        8: "import_person_other_unit",
        9: "import_name_mismatch",
        10: "import_amount_invalid",
    }
    assert "县卫生局" in refused[8]["message"]
    assert "别人" in refused[9]["message"] and ours[5]["name"] in refused[9]["message"]
    assert report["rows"][5]["citizen_id"] == theirs["citizen_id"]  # a clerk sees the id
    declared = await scalar(
        platform,
        "SELECT string_agg(declared_wage::text, ',' ORDER BY declared_wage) "
        f"FROM contribution.declaration_line WHERE declaration_id = '{did}'",
    )
    assert declared == "4800.00,5200.00,5200.00,5200.00,6000.50"

    r = await contribution.get(f"/v1/contribution/imports/{report['id']}", headers=clerk)
    assert r.json() == report
    english = {**clerk, "Accept-Language": "en"}
    r = await contribution.get(f"/v1/contribution/imports/{report['id']}", headers=english)
    reasons = {row["row"]: row["errors"] for row in r.json()["rows"] if row["errors"]}
    assert reasons[9][0]["code"] == "import_name_mismatch"
    assert "differs from the registered name" in reasons[9][0]["message"]
    assert "is not an amount" in reasons[10][0]["message"]
    finance = auth_headers(platform, "finance")
    r = await contribution.get(
        f"/v1/contribution/imports/{report['id']}/report.xlsx", headers=finance
    )
    assert r.status_code == 200, r.text
    values = [list(v) for v in load_workbook(io.BytesIO(r.content)).active.values]
    assert values[0] == [
        "身份证号",
        "姓名",
        "上年月平均工资（元）",
        "导入结果",
        "原因",
        "原文件行号",
    ]
    assert values[1][0] == ours[0]["citizen_id"][:6] + "*" * 10 + ours[0]["citizen_id"][-2:]
    assert values[1][1:4] == [ours[0]["name"], "5,200.00", "已导入"]
    assert values[6][3:6] == ["未导入", refused[8]["message"], 8]


async def test_the_wage_template_reads_back(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(enrollment, contribution, platform, {"县局": ("full", 1, "2019-01-01")})
    clerk = auth_headers(platform, "clerk")
    template = await contribution.get(
        "/v1/contribution/imports/templates/wages.xlsx", headers=clerk
    )
    assert template.status_code == 200, template.text
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == ["身份证号", "姓名", "上年月平均工资"]
    assert [c.value for c in sheet[2]] == ["11010519491231002X", "张三", "5200.00"]
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": county.units["县局"]["id"], "year": 2020, "lines": []},
    )
    r = await contribution.post(
        f"/v1/contribution/declarations/{r.json()['id']}/upload",
        headers=clerk,
        files={"file": ("模板.xlsx", template.content)},
    )
    r = await imported(contribution, r, clerk)
    # Read back as it is, the example row is refused: it is nobody's wage.
    assert (r.json()["total_rows"], r.json()["failed"]) == (1, 1), r.text
    assert r.json()["rows"][0]["errors"][0]["code"] == "import_example_row"
