"""Every amount a person types into contribution is bounded by a dated ceiling: above it, a
422 `amount_implausible` naming the field (each row of an upload reports its own), and
nothing changes; at it, the amount is taken. A newer version of a ceiling applies from its
date on."""

import io
import uuid

import pytest
from openpyxl import Workbook

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import (
    declare_and_approve,
    register,
    scalar,
    set_parameter,
    wage_lines,
)
from tests.job_wait import imported
from tests.support.contribution_banks import signed

pytestmark = pytest.mark.asyncio(loop_scope="session")
WAGE_CEILING, RECEIPT_CEILING = "100000.00", "50000000.00"  # the demo defaults


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _refused(r, field: str, ceiling: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert (body["code"], body["field"], body["ceiling"]) == ("amount_implausible", field, ceiling)
    assert "上限" in body["detail"] and r.headers["content-type"] == "application/problem+json"


async def test_declared_wages_are_bounded(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县档案馆": ("full", 3, "2019-01-01")}
    )
    unit, staff = county.units["县档案馆"], county.persons["县档案馆"]
    clerk = auth_headers(platform, "clerk", subject="clerk-a")
    lines = wage_lines(staff, "6000.00")

    too_high = [lines[0], {**lines[1], "wage": "100000.01"}]
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": unit["id"], "year": 2021, "lines": too_high},
    )
    _refused(r, "lines[1].wage", WAGE_CEILING)
    assert await scalar(platform, "SELECT count(*) FROM contribution.declaration") == 0

    at_ceiling = [lines[0], {**lines[1], "wage": WAGE_CEILING}]
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": unit["id"], "year": 2021, "lines": at_ceiling},
    )
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    r = await contribution.put(
        f"/v1/contribution/declarations/{did}/lines",
        headers=clerk,
        json={"lines": [{**lines[0], "wage": "999999999999.99"}]},
    )
    _refused(r, "lines[0].wage", WAGE_CEILING)

    # An upload takes the plausible rows and reports the others, row by row.
    content = _xlsx(
        [
            ["身份证号", "姓名", "上年月平均工资"],
            [staff[2]["citizen_id"], staff[2]["name"], 7000],
            [staff[0]["citizen_id"], staff[0]["name"], 100_000.01],
            [staff[1]["citizen_id"], staff[1]["name"], 999_999_999],
        ]
    )
    r = await contribution.post(
        f"/v1/contribution/declarations/{did}/upload",
        headers=clerk,
        files={"file": ("bases.xlsx", content)},
    )
    r = await imported(contribution, r, clerk)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["accepted"] == 1
    refused = [row for row in report["rows"] if row["status"] == "failed"]
    assert [row["row"] for row in refused] == [3, 4]
    assert all("上限" in row["errors"][0]["message"] for row in refused)
    declared = await scalar(
        platform,
        f"SELECT string_agg(declared_wage::text, ',' ORDER BY declared_wage) "
        f"FROM contribution.declaration_line WHERE declaration_id = '{did}'",
    )
    assert declared == "6000.00,7000.00,100000.00"  # nothing refused went in

    # A change to an approved base is bounded the same way.
    approved = await declare_and_approve(contribution, platform, unit, 2020, lines)
    r = await contribution.post(
        f"/v1/contribution/declarations/{approved['id']}/adjustments",
        headers={**clerk, **_key()},
        json={
            "citizen_id": staff[0]["citizen_id"],
            "name": staff[0]["name"],
            "wage": "100000.01",
            "from_month": 6,
            "reason": "补报绩效工资",
        },
    )
    _refused(r, "wage", WAGE_CEILING)
    assert await scalar(platform, "SELECT count(*) FROM contribution.base_adjustment") == 0


async def test_receipts_are_bounded_by_the_ceiling_in_force_when_received(
    platform, start_apps
) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县气象局": ("self", 1, "2019-01-01")}
    )
    unit = county.units["县气象局"]
    finance = auth_headers(platform, "finance", subject="finance-a")

    async def counter(amount: str, on: str):
        return await contribution.post(
            "/v1/contribution/receipts",
            headers={**finance, **_key()},
            json={"unit_id": unit["id"], "amount": amount, "received_on": on},
        )

    _refused(await counter("999999999999.99", "2020-02-10"), "amount", RECEIPT_CEILING)
    _refused(await counter("50000000.01", "2020-02-10"), "amount", RECEIPT_CEILING)
    assert (await counter(RECEIPT_CEILING, "2020-02-10")).status_code == 201

    # A lower ceiling from 2021 on: one person's word changes nothing (rejected here)...
    lower = {"name": "bound.receipt_amount", "effective_from": "2021-01-01", "value": "1000000"}
    admin = auth_headers(platform, "admin")
    r = await contribution.post("/v1/contribution/parameters", headers=admin, json=lower)
    assert (r.status_code, r.json()["status"]) == (201, "submitted"), r.text
    assert (await counter("2000000.00", "2021-03-01")).status_code == 201
    r = await contribution.post(
        f"/v1/contribution/parameters/{r.json()['id']}/reject",
        headers=auth_headers(platform, "finance", subject="finance-b"),
        json={"note": "公文未到"},
    )
    assert r.json()["status"] == "rejected"
    # ...a second person's approval puts it in force; earlier receipts keep the old one.
    await set_parameter(contribution, platform, lower)
    _refused(await counter("1000000.01", "2021-03-01"), "amount", "1000000.00")
    assert (await counter("1000000.01", "2020-12-31")).status_code == 201
    r = await contribution.post(
        "/v1/contribution/parameters",
        headers=auth_headers(platform, "admin"),
        json={"name": "bound.receipt_amount", "effective_from": "2021-01-01", "value": "1e9"},
    )
    assert r.status_code == 422  # above the range an admin may set

    # A bank's batch with one credit above the ceiling is refused whole, naming it.
    batch = {
        "receipts": [
            {
                "reference": f"B-{n}",
                "unit_credit_code": unit["credit_code"],
                "amount": amount,
                "received_on": "2021-03-02",
            }
            for n, amount in enumerate(["500.00", "1000000.01"])
        ]
    }
    raw, headers = signed(platform, batch)
    r = await contribution.post(
        "/v1/contribution/bank/bank-psbc/receipts", content=raw, headers=headers
    )
    _refused(r, "receipts[1].amount", "1000000.00")
    assert await scalar(platform, "SELECT count(*) FROM contribution.receipt") == 3
