"""The persons import reads the files clerks have (issue #19 item 2): GBK, GB18030 and UTF-8
CSV, .xls (written here with xlwt) and .xlsx, the header under title rows, the usual date
spellings, ids that Excel stored as numbers; and its report is kept, read back as JSON and
as XLSX, with a template to start from."""

import io
from datetime import date, datetime

import pytest
import xlwt
from openpyxl import Workbook, load_workbook

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, register_unit, scalar
from tests.job_wait import imported
from tests.support.enrollment_files import HEADER, TITLE, UNIT_LINE, csv_bytes

pytestmark = pytest.mark.asyncio(loop_scope="session")
DATE_SPELLINGS = ["2015-07-01", "2015/07/01", "2015/7/1", "2015.07.01", "2015年7月1日", "20150701"]


def staff(first_seq: int, dates: list[str]) -> list[list[str]]:
    """One row per date spelling; 参加工作日期 (started work) is earlier than 参保日期."""
    return [
        [
            str(n),
            f"职工{first_seq + n}",
            citizen_id(seq=f"{first_seq + n:03d}"),
            "公务员",
            "2001-09-01",
            spelled,
        ]
        for n, spelled in enumerate(dates)
    ]


async def upload(client, platform, unit_id: str, name: str, content: bytes) -> dict:
    headers = auth_headers(platform, "clerk")
    r = await client.post(
        f"/v1/enrollment/units/{unit_id}/persons/import",
        headers=headers,
        files={"file": (name, content)},
    )
    r = await imported(client, r, headers)
    assert r.status_code == 200, r.text
    return r.json()


async def joined_dates(platform, unit_id: str) -> set[str]:
    return set(
        (
            await scalar(
                platform,
                "SELECT string_agg(DISTINCT joined_on::text, ',') FROM enrollment.person "
                f"WHERE unit_id = '{unit_id}'",
            )
        ).split(",")
    )


async def test_a_gbk_csv_with_title_rows_and_every_date_spelling(platform):
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, registered_on="2014-10-01")
        rows = [TITLE, UNIT_LINE, [], HEADER, *staff(100, DATE_SPELLINGS)]
        report = await upload(client, platform, unit["id"], "花名册.csv", csv_bytes(rows, "gbk"))
        assert report["header_row"] == 4
        assert (report["accepted"], report["failed"]) == (6, 0), report["rows"]
        assert [r["row"] for r in report["rows"]] == [5, 6, 7, 8, 9, 10]
        assert report["rows"][0]["name"] == "职工100"
        # 参保日期 is the joining date; 参加工作日期 (2001) is another date, not read as it.
        assert await joined_dates(platform, unit["id"]) == {"2015-07-01"}

        only_work_start = [HEADER[:5], staff(200, ["2015-07-01"])[0][:5]]
        r = await client.post(
            f"/v1/enrollment/units/{unit['id']}/persons/import",
            headers=auth_headers(platform, "clerk"),
            files={"file": ("s.csv", csv_bytes(only_work_start, "gbk"))},
        )
        assert (r.status_code, r.json()["code"], r.json()["missing"]) == (
            422,
            "import_columns_missing",
            ["joined_on"],
        )
        assert "参保日期" in r.json()["detail"]


async def test_gb18030_and_utf8_with_or_without_bom(platform):
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, registered_on="2014-10-01")
        rare = [["姓名", "身份证号", "人员类别", "参保日期"],
                ["王䶮", citizen_id(seq="301"), "工勤人员", "2015/7/1"]]  # fmt: skip
        with pytest.raises(UnicodeEncodeError):
            csv_bytes(rare, "gbk")  # 䶮 is beyond GBK: only GB18030 holds it
        report = await upload(client, platform, unit["id"], "a.csv", csv_bytes(rare, "gb18030"))
        assert (report["accepted"], report["rows"][0]["name"]) == (1, "王䶮")
        for seq, encoding in (("303", "utf-8-sig"), ("305", "utf-8")):
            rows = [rare[0], ["李四", citizen_id(seq=seq), "事业单位工作人员", "2015年7月1日"]]
            report = await upload(client, platform, unit["id"], "b.csv", csv_bytes(rows, encoding))
            assert (report["accepted"], report["rows"][0]["name"]) == (1, "李四"), encoding
        names = await scalar(
            platform, "SELECT string_agg(name, ',' ORDER BY name) FROM enrollment.person"
        )
        assert names == "李四,李四,王䶮"


async def test_an_xls_with_a_title_row_date_cells_and_an_id_stored_as_a_number(platform):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    as_date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write(0, 0, TITLE[0])
    for column, header in enumerate(["姓名", "身份证号", "人员类别", "参保日期", "性别"]):
        sheet.write(1, column, header)
    good, lost = citizen_id(seq="401"), citizen_id(seq="403")
    rows = [
        ["张三", good, "公务员", datetime(2015, 7, 1), "男"],
        ["李四", float(lost), "公务员", "20150701", "男"],  # Excel kept 15 digits of it
        ["王五", citizen_id(seq="405"), "工勤人员", 42186, "男"],  # a date serial, unformatted
    ]
    for index, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            style = as_date if isinstance(value, datetime) else xlwt.Style.default_style
            sheet.write(index, column, value, style)
    out = io.BytesIO()
    book.save(out)
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, registered_on="2014-10-01")
        report = await upload(client, platform, unit["id"], "花名册.xls", out.getvalue())
        assert (report["header_row"], report["accepted"], report["failed"]) == (2, 2, 1)
        [numeric] = [r for r in report["rows"] if r["status"] == "failed"]
        assert (numeric["row"], numeric["name"]) == (4, "李四")
        assert numeric["errors"][0]["code"] == "import_citizen_id_numeric"
        assert "文本" in numeric["errors"][0]["message"]
        assert await joined_dates(platform, unit["id"]) == {"2015-07-01"}


async def test_ids_excel_turned_into_numbers_are_named_in_xlsx_and_csv(platform):
    book = Workbook()
    book.active.append(["姓名", "身份证号", "人员类别", "参保日期"])
    book.active.append(["甲", float(citizen_id(seq="501")), "公务员", date(2015, 7, 1)])
    book.active.append(["乙", citizen_id(seq="503"), "公务员", date(2015, 7, 1)])
    out = io.BytesIO()
    book.save(out)
    lines = [["姓名", "身份证号", "人员类别", "参保日期"],
             ["丙", "3.30522E+17", "公务员", "2015-07-01"],
             ["丁", citizen_id(seq="505")[:15] + "000", "公务员", "2015-07-01"]]  # fmt: skip
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, registered_on="2014-10-01")
        report = await upload(client, platform, unit["id"], "a.xlsx", out.getvalue())
        statuses = [(r["name"], r["status"]) for r in report["rows"]]
        assert statuses == [("甲", "failed"), ("乙", "accepted")]
        assert report["rows"][0]["errors"][0]["code"] == "import_citizen_id_numeric"
        report = await upload(client, platform, unit["id"], "a.csv", csv_bytes(lines, "gbk"))
        codes = [r["errors"][0]["code"] for r in report["rows"]]
        assert codes == ["import_citizen_id_numeric"] * 2


async def test_the_report_is_kept_and_downloads_with_the_reasons_beside_the_rows(platform):
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, registered_on="2014-10-01")
        good = citizen_id(seq="601")
        rows = [
            TITLE,
            HEADER,
            *staff(600, ["2015-07-01"]),
            ["2", "坏日期", citizen_id(seq="603"), "公务员", "2001-09-01", "2015-13-45"],
            ["3", "坏类别", citizen_id(seq="605"), "宇航员", "2001-09-01", "2015-07-01"],
        ]
        rows[2][2] = good
        report = await upload(client, platform, unit["id"], "名册.csv", csv_bytes(rows, "gbk"))
        codes = [[e["code"] for e in r["errors"]] for r in report["rows"]]
        assert codes == [[], ["import_date_invalid"], ["import_value_unknown"]]

        clerk = await client.get(
            f"/v1/enrollment/imports/{report['id']}", headers=auth_headers(platform, "clerk")
        )
        assert clerk.json() == report
        auditor = await client.get(
            f"/v1/enrollment/imports/{report['id']}", headers=auth_headers(platform, "auditor")
        )
        assert auditor.json()["rows"][0]["citizen_id"] == good[:6] + "*" * 10 + good[-2:]

        for role, shown in (("clerk", good), ("auditor", good[:6] + "*" * 10 + good[-2:])):
            r = await client.get(
                f"/v1/enrollment/imports/{report['id']}/report.xlsx",
                headers=auth_headers(platform, role),
            )
            assert r.status_code == 200, r.text
            assert "filename*=UTF-8''" in r.headers["content-disposition"]
            sheet = load_workbook(io.BytesIO(r.content)).active
            values = [list(row) for row in sheet.iter_rows(values_only=True)]
            assert values[0] == [*HEADER, "导入结果", "原因", "原文件行号"]
            assert values[1][:3] == ["0", "职工600", shown]
            assert values[1][6:] == ["已导入", None, 3]
            assert values[2][6] == "未导入" and "2015-13-45" in values[2][7]
            assert values[3][6:8] == ["未导入", report["rows"][2]["errors"][0]["message"]]

        # The same report in English: the same codes, the reasons from the English catalogue.
        english = {**auth_headers(platform, "clerk"), "Accept-Language": "en"}
        r = await client.get(f"/v1/enrollment/imports/{report['id']}", headers=english)
        reasons = [(e["code"], e["message"]) for row in r.json()["rows"] for e in row["errors"]]
        assert reasons[0][0] == "import_date_invalid" and "is not a date" in reasons[0][1]
        assert reasons[1][0] == "import_value_unknown" and "code table" in reasons[1][1]
        r = await client.get(f"/v1/enrollment/imports/{report['id']}/report.xlsx", headers=english)
        sheet = load_workbook(io.BytesIO(r.content)).active
        assert [c.value for c in sheet[1]][-3:] == ["Result", "Reason", "Row in the file"]
        assert sheet["G2"].value == "imported" and "is not a date" in sheet["H3"].value

        for headers, text in (
            (auth_headers(platform, "clerk"), "没有编号为"),
            (english, "no import"),
        ):
            missing = await client.get(f"/v1/enrollment/imports/{unit['id']}", headers=headers)
            assert (missing.status_code, missing.json()["code"]) == (404, "import_report_not_found")
            assert text in missing.json()["detail"]


async def test_the_template_has_the_chinese_headers_and_reads_back(platform):
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, registered_on="2014-10-01")
        r = await client.get(
            "/v1/enrollment/imports/templates/persons.xlsx", headers=auth_headers(platform, "clerk")
        )
        assert r.status_code == 200, r.text
        sheet = load_workbook(io.BytesIO(r.content)).active
        header, example = (list(row) for row in sheet.iter_rows(max_row=2, values_only=True))
        assert header[:4] == ["身份证号", "姓名", "人员类别", "参保日期"]
        assert example[:4] == ["11010519491231002X", "张三", "事业单位工作人员", "2015-07-01"]
        assert sheet["A3"].number_format == "@"  # ids typed in later stay text
        # Read back as it is, the example row is refused: it is not a person to enrol.
        report = await upload(client, platform, unit["id"], "模板.xlsx", r.content)
        assert (report["total_rows"], report["failed"]) == (1, 1), report["rows"]
        assert report["rows"][0]["errors"][0]["code"] == "import_example_row"
        r = await client.get(
            f"/v1/enrollment/imports/{report['id']}/report.xlsx",
            headers=auth_headers(platform, "auditor"),
        )
        row = [c.value for c in load_workbook(io.BytesIO(r.content)).active[2]]
        # An auditor sees the id and the birth date masked, as everywhere else.
        assert row[:5] == [
            "110105**********2X",
            "张三",
            "事业单位工作人员",
            "2015-07-01",
            "1949-**-**",
        ]
