"""A clerk's own files through the gateway (issue #19): a GBK CSV with title rows and odd
dates, an .xls made here, the kept report in Chinese and English and as XLSX."""

import io

import httpx
import xlwt
from openpyxl import load_workbook

from deploy.local.demo import demo_credit_code
from tests.e2e.conftest import System, login
from tests.enrollment.helpers import citizen_id
from tests.job_wait import imported_sync
from tests.support.enrollment_files import HEADER, TITLE, UNIT_LINE, csv_bytes

SPELLINGS = ["2015/07/01", "2015.7.1", "2015年7月1日", "20150701"]


def _rows(first: int) -> list[list[str]]:
    return [
        [str(n), f"职工{first + n}", citizen_id(seq=f"{first + n:03d}"), "公务员", "2001-09-01", d]
        for n, d in enumerate(SPELLINGS)
    ]


def _xls(rows: list[list[str]]) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("花名册")
    for r, row in enumerate([TITLE, HEADER, *rows]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_clerk_imports_gbk_csv_and_xls_and_reads_the_report(system: System) -> None:
    clerk = login(system.gateway, "clerk")
    with httpx.Client(base_url=system.gateway, headers=clerk, timeout=30) as gw:
        unit = gw.post(
            "/v1/enrollment/units",
            json={
                "credit_code": demo_credit_code(41),
                "name": "县档案馆",
                "funding_type": "full",
                "registered_on": "2014-10-01",
            },
            headers={"Idempotency-Key": "e2e-clerk-files-unit"},
        )
        assert unit.status_code == 201, unit.text
        url = f"/v1/enrollment/units/{unit.json()['id']}/persons/import"
        bad = ["9", "坏日期", citizen_id(seq="759"), "公务员", "2001-09-01", "2015-13-45"]
        gbk = csv_bytes([TITLE, UNIT_LINE, HEADER, *_rows(700), bad], "gbk")
        # 202 with the import's job; its result names the kept report.
        report = imported_sync(gw, gw.post(url, files={"file": ("花名册.csv", gbk)}), {})
        assert report.status_code == 200, report.text
        assert (report.json()["accepted"], report.json()["failed"]) == (4, 1)
        [failed] = [r for r in report.json()["rows"] if r["status"] == "failed"]
        assert (failed["name"], failed["errors"][0]["code"]) == ("坏日期", "import_date_invalid")

        xls = imported_sync(gw, gw.post(url, files={"file": ("花名册.xls", _xls(_rows(720)))}), {})
        assert xls.status_code == 200, xls.text
        assert (xls.json()["header_row"], xls.json()["accepted"]) == (2, 4)

        kept = f"/v1/enrollment/imports/{report.json()['id']}"
        chinese = gw.get(kept).json()["rows"][-1]["errors"][0]["message"]
        english = gw.get(kept, headers={"Accept-Language": "en"}).json()
        assert "2015-13-45" in chinese and chinese != english["rows"][-1]["errors"][0]["message"]
        workbook = gw.get(f"{kept}/report.xlsx")
        assert workbook.status_code == 200
        values = list(
            load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True)
        )
        assert values[0][-3:] == ("导入结果", "原因", "原文件行号")
        assert values[-1][1] == "坏日期" and values[-1][-3] == "未导入"
