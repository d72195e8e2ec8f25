"""Contribution speaks Chinese by default and English on request, from its catalogues: the
same refusal in both languages (naming the unit by name and credit code, never by UUID),
validation errors in Chinese, and every enum labelled at /code-tables and in the OpenAPI."""

import re

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import declare_and_approve, register, wage_lines

pytestmark = pytest.mark.asyncio(loop_scope="session")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


async def test_messages_in_chinese_and_english(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县文化馆": ("full", 2, "2019-01-01")}
    )
    unit, staff = county.units["县文化馆"], county.persons["县文化馆"]
    await declare_and_approve(contribution, platform, unit, 2020, wage_lines(staff, "6000.00"))
    clerk = auth_headers(platform, "clerk")
    again = {"unit_id": unit["id"], "year": 2020}

    chinese = await contribution.post("/v1/contribution/declarations", headers=clerk, json=again)
    english = await contribution.post(
        "/v1/contribution/declarations",
        headers={**clerk, "Accept-Language": "en-US,en;q=0.9"},
        json=again,
    )
    assert chinese.status_code == english.status_code == 409
    zh, en = chinese.json(), english.json()
    assert zh["code"] == en["code"] == "declaration_exists"
    assert zh["detail"] == (
        f"县文化馆（统一社会信用代码 {unit['credit_code']}）已有 2020 年度的缴费基数申报。"
    )
    assert en["detail"] == (
        f"县文化馆 (credit code {unit['credit_code']}) already has a declaration for 2020."
    )
    assert (zh["title"], en["title"]) == ("与当前状态冲突", "Conflict")
    assert not UUID.search(zh["detail"]) and not UUID.search(en["detail"])

    # A validator's refusal: the person named by name and masked id, the field by its path.
    line = wage_lines(staff[:1], "6000.00")[0]
    doubled = {"unit_id": unit["id"], "year": 2021, "lines": [line, line]}
    refused = await contribution.post("/v1/contribution/declarations", headers=clerk, json=doubled)
    assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"
    [error] = refused.json()["errors"]
    masked = line["citizen_id"][:6] + "*" * 10 + line["citizen_id"][-2:]
    assert error["field"] == "lines.1.citizen_id"
    assert error["message"] == f"{line['name']}（身份证号 {masked}）在申报中重复出现。"

    # Pydantic's own refusals are Chinese too, and a bad month names the value given.
    bad_period = await contribution.get(
        "/v1/contribution/plans", params={"period": "2020-13"}, headers=clerk
    )
    assert bad_period.status_code == 422
    assert bad_period.json()["detail"] == "月份“2020-13”格式有误，应写作 YYYY-MM（如 2024-03）。"
    bad_amount = await contribution.post(
        "/v1/contribution/receipts",
        headers=auth_headers(platform, "finance", **{"Idempotency-Key": "messages-1"}),
        json={"unit_id": unit["id"], "amount": "0.00", "received_on": "2020-03-01"},
    )
    assert bad_amount.status_code == 422
    assert bad_amount.json()["errors"][0]["message"] == "金额须大于零。"


async def test_code_tables_and_openapi_enums(platform, start_apps) -> None:
    (contribution,) = await start_apps(contribution_app(platform))
    reader = auth_headers(platform, "auditor")
    zh = (await contribution.get("/v1/contribution/code-tables", headers=reader)).json()
    en = (
        await contribution.get(
            "/v1/contribution/code-tables", headers={**reader, "Accept-Language": "en"}
        )
    ).json()
    assert zh["declaration_status"] == {
        "draft": "草稿",
        "submitted": "已提交待审核",
        "approved": "已审核通过",
        "returned": "已退回",
    }
    assert zh["funding_type"]["self"] == "自收自支" and en["funding_type"]["self"] == "Self-funded"
    assert zh["parameter_name"]["bound.monthly_wage"] == "申报月工资合理上限"
    assert set(zh) == set(en) and all(set(zh[t]) == set(en[t]) for t in zh)

    openapi = await contribution.get("/v1/contribution/openapi.json")
    schemas = openapi.json()["components"]["schemas"]
    declared = {
        ("PlanOut", "kind"): set(zh["plan_kind"]),
        ("PlanOut", "funding_type"): set(zh["funding_type"]),
        ("ReceiptOut", "source"): set(zh["receipt_source"]),
        ("RosterPersonOut", "staff_category"): set(zh["staff_category"]),
        ("ParameterOut", "status"): set(zh["review_status"]),
    }
    for (model, field), values in declared.items():
        schema = schemas[model]["properties"][field]
        enum = schema.get("enum") or schemas[schema["$ref"].split("/")[-1]]["enum"]
        assert set(enum) == values, (model, field)
