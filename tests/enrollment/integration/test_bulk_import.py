"""Bulk import of a unit's staff from CSV and XLSX."""

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from deploy.local.demo import demo_credit_code
from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, register_unit, scalar
from tests.job_wait import imported

pytestmark = pytest.mark.asyncio(loop_scope="session")


def csv_file(lines: list[str]) -> bytes:
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


async def upload(client, platform, unit_id: str, name: str, content: bytes, role: str = "clerk"):
    """The import's report once its job is done (a refusal as it is)."""
    headers = auth_headers(platform, role)
    r = await client.post(
        f"/v1/enrollment/units/{unit_id}/persons/import",
        headers=headers,
        files={"file": (name, content)},
    )
    return await imported(client, r, headers)


async def test_csv_rows_validated_valid_ones_written_and_reimport_changes_nothing(platform):
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        other = await register_unit(client, platform, serial=2)
        taken = citizen_id(seq="611")
        r = await client.post(
            "/v1/enrollment/persons",
            headers=auth_headers(platform, "clerk"),
            json={
                "citizen_id": taken,
                "name": "已参保",
                "unit_id": other["id"],
                "staff_category": "worker",
                "joined_on": "2012-01-01",
            },
        )
        assert r.status_code == 201
        content = csv_file(
            [
                "身份证号,姓名,人员类别,参保日期",
                f"{citizen_id(seq='601')},甲,公务员,2010-07-01",
                f"{citizen_id(seq='602')},乙,public_institution_staff,2011-09-01",
                "330522198003151230,坏号,工勤人员,2011-09-01",  # wrong check digit
                f"{citizen_id(seq='603')},丙,宇航员,2011-09-01",  # unknown category
                "",
                f"{citizen_id(seq='601')},甲,公务员,2010-07-01",  # twice in this file
                f"{taken},已参保,工勤人员,2012-01-01",  # insured under another unit
                f"{citizen_id(seq='604')},丁,工勤人员,2999-01-01",  # joined in the future
            ]
        )
        report = (await upload(client, platform, unit["id"], "staff.csv", content)).json()
        assert (
            report["total_rows"],
            report["accepted"],
            report["unchanged"],
            report["failed"],
        ) == (
            7,
            2,
            0,
            5,
        )
        failures = {
            row["row"]: row["errors"][0]["code"]
            for row in report["rows"]
            if row["status"] == "failed"
        }
        assert failures == {
            4: "import_citizen_id_invalid",
            5: "import_value_unknown",
            7: "import_duplicate_row",
            8: "import_already_insured",
            9: "import_joined_in_future",
        }
        by_row = {row["row"]: row for row in report["rows"]}
        # A clerk sees the ids and the names; the unit elsewhere is named, not a uuid.
        assert (by_row[2]["name"], by_row[2]["citizen_id"]) == ("甲", citizen_id(seq="601"))
        assert other["credit_code"] in by_row[8]["errors"][0]["message"]
        assert other["id"] not in by_row[8]["errors"][0]["message"]
        assert all(
            "\u4e00" <= e["message"][0] <= "\u9fff" for r in report["rows"] for e in r["errors"]
        )
        counts = (
            "SELECT (SELECT count(*) FROM enrollment.person), "
            "(SELECT count(*) FROM enrollment.account), "
            "(SELECT count(*) FROM enrollment.status_change), "
            "(SELECT count(*) FROM enrollment.outbox "
            " WHERE envelope->>'type' = 'enrollment.person.registered')"
        )
        assert await scalar(platform, f"SELECT row({counts[7:]})::text") == "(3,9,3,3)"

        again = (await upload(client, platform, unit["id"], "staff.csv", content)).json()
        assert (again["accepted"], again["unchanged"], again["failed"]) == (0, 2, 5)
        assert await scalar(platform, f"SELECT row({counts[7:]})::text") == "(3,9,3,3)"


async def test_xlsx_with_typed_cells_and_chinese_labels(platform):
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        book = Workbook()
        sheet = book.active
        sheet.append(["姓名", "身份证号", "参保日期", "人员类别", "性别"])
        sheet.append(
            ["张三", citizen_id(seq="701"), datetime(2014, 10, 1), "事业单位工作人员", "男"]
        )
        sheet.append(["李四", citizen_id(seq="702"), datetime(2015, 1, 1), "工勤人员", "男"])
        buffer = io.BytesIO()
        book.save(buffer)
        r = await upload(client, platform, unit["id"], "人员.xlsx", buffer.getvalue())
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["accepted"], report["failed"]) == (1, 1)
        [refused] = [row for row in report["rows"] if row["status"] == "failed"]
        assert refused["errors"][0]["code"] == "import_sex_mismatch"  # 702 is a woman's number
        found = await client.get(
            "/v1/enrollment/persons",
            params={"unit_id": unit["id"]},
            headers=auth_headers(platform, "clerk"),
        )
        [person] = found.json()["items"]
        assert (person["name"], person["joined_on"], person["staff_category"]) == (
            "张三",
            "2014-10-01",
            "public_institution_staff",
        )


async def test_bad_files_and_units_are_refused(platform):
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        r = await upload(client, platform, unit["id"], "staff.txt", b"x")
        assert (r.status_code, r.json()["code"]) == (415, "import_format_unsupported")
        r = await upload(client, platform, unit["id"], "staff.xlsx", b"not a zip")
        assert (r.status_code, r.json()["code"]) == (422, "import_file_unreadable")
        r = await upload(client, platform, unit["id"], "staff.csv", csv_file(["姓名,身份证号"]))
        assert r.json()["code"] == "import_columns_missing"
        assert set(r.json()["missing"]) == {"staff_category", "joined_on"}
        content = csv_file(
            [
                "citizen_id,name,staff_category,joined_on",
                f"{citizen_id(seq='801')},x,worker,2015-01-01",
            ]
        )
        r = await client.post(
            f"/v1/enrollment/units/{demo_credit_code(1)[:8]}/persons/import",
            headers=auth_headers(platform, "clerk"),
            files={"file": ("s.csv", content)},
        )
        assert r.status_code == 422  # not a unit id
        r = await upload(client, platform, unit["id"], "s.csv", content, role="auditor")
        assert r.status_code == 403
        assert await scalar(platform, "SELECT count(*) FROM enrollment.person") == 0
