"""Enrollment speaks Chinese by default and English on request, from its catalogue (issue #19):
conflicts name units and persons by name and number, validation and import rows are
translated, and the code tables label every value."""

import pytest

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, register_unit
from tests.job_wait import imported

pytestmark = pytest.mark.asyncio(loop_scope="session")
EN = {"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}
ZH_409, EN_409 = "与当前状态冲突", "Conflict"


async def test_a_second_enrolment_names_unit_and_person_in_either_language(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform, name="县第一中学")
        number = citizen_id(seq="621")
        person = {
            "citizen_id": number,
            "name": "王五",
            "unit_id": unit["id"],
            "staff_category": "civil_servant",
            "joined_on": "2005-07-01",
        }
        clerk = auth_headers(platform, "clerk")
        assert (await client.post("/v1/enrollment/persons", headers=clerk, json=person)).is_success
        chinese = await client.post("/v1/enrollment/persons", headers=clerk, json=person)
        english = await client.post("/v1/enrollment/persons", headers=clerk | EN, json=person)
        assert (chinese.status_code, english.status_code) == (409, 409)
        code = unit["credit_code"]
        assert chinese.json()["detail"] == (
            f"王五（身份证号 {number}）已有参保关系：单位 县第一中学（{code}），"
            "参保日期 2005-07-01。"
        )
        assert english.json()["detail"] == (
            f"王五 (citizen id {number}) already has an insurance relation: "
            f"unit 县第一中学 ({code}), since 2005-07-01."
        )
        assert (chinese.json()["title"], english.json()["title"]) == (ZH_409, EN_409)
        assert unit["id"] not in chinese.json()["detail"]
        # The program reads the same facts without parsing the text.
        assert (chinese.json()["unit_name"], chinese.json()["credit_code"]) == ("县第一中学", code)
        twice = await client.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={"credit_code": code, "name": "另一个", "funding_type": "full"},
        )
        assert twice.json()["detail"] == f"统一社会信用代码为 {code} 的单位已登记：县第一中学。"


async def test_validation_errors_are_chinese_unless_english_is_asked(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        body = {
            "citizen_id": citizen_id(seq="623"),
            "name": "赵六",
            "unit_id": unit["id"],
            "staff_category": "civil_servant",
            "joined_on": "2005-07-01",
            "sex": "female",
        }
        clerk = auth_headers(platform, "clerk")
        chinese = await client.post("/v1/enrollment/persons", headers=clerk, json=body)
        english = await client.post("/v1/enrollment/persons", headers=clerk | EN, json=body)
        assert (chinese.status_code, chinese.json()["code"]) == (422, "validation_failed")
        assert chinese.json()["errors"] == [
            {"field": "sex", "message": "性别与身份证号码不符。", "type": "value_error"}
        ]
        assert english.json()["errors"][0]["message"] == (
            "The sex does not match the one encoded in the citizen id."
        )
        bad_code = await client.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={"credit_code": "12330000MB0000001A", "name": "某单位", "funding_type": "full"},
        )
        assert bad_code.json()["errors"][0] == {
            "field": "credit_code",
            "message": "统一社会信用代码校验码不符，请核对代码。",
            "type": "value_error",
        }


async def test_import_rows_give_their_reasons_in_the_callers_language(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        row = f"{citizen_id(seq='625')},钱七,公务员,2010-07-01"
        content = ("身份证号,姓名,人员类别,参保日期\n" + f"{row}\n{row}\n").encode()
        answers = {}
        for language, extra in (("zh", {}), ("en", EN)):
            headers = auth_headers(platform, "clerk") | extra
            r = await client.post(
                f"/v1/enrollment/units/{unit['id']}/persons/import",
                headers=headers,
                files={"file": ("staff.csv", content)},
            )
            r = await imported(client, r, headers)
            assert r.status_code == 200, r.text
            answers[language] = r.json()["rows"]
        assert answers["zh"][-1]["errors"] == [
            {
                "field": "citizen_id",
                "code": "import_duplicate_row",
                "message": "与本文件第 2 行的身份证号重复。",
            }
        ]
        assert answers["en"][-1]["errors"][0]["message"] == "Also on row 2 of this file."


async def test_code_tables_label_every_value_in_either_language(platform) -> None:
    async with running_app(create_app(platform)) as client:
        clerk = auth_headers(platform, "clerk")
        chinese = (await client.get("/v1/enrollment/code-tables", headers=clerk)).json()
        english = (await client.get("/v1/enrollment/code-tables", headers=clerk | EN)).json()
        assert chinese["person_status"]["retired"] == "已退休"
        assert chinese["funding_type"] == {
            "full": "财政全额拨款",
            "partial": "财政差额拨款",
            "self": "自收自支",
        }
        assert english["person_status"]["retired"] == "Retired"
        # Every value has a label of its own, never the bare value.
        assert all(label != value for t in chinese.values() for value, label in t.items())
