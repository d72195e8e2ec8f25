"""Deemed periods, annuity interest, late-dated postings and joining checks (issue #10, 4-7)."""

from datetime import date

import pytest

from services.enrollment.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    POLICY_CHECKER,
    POLICY_MAKER,
    acked,
    citizen_id,
    credits,
    enrol,
    publish,
    register_unit,
    scalar,
    set_parameter,
)
from tests.job_wait import finished
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
BANK = {"bank_code": "PSBC", "account_number": "6221880012345678", "account_name": "老人"}


async def test_deemed_months_are_bounded_documented_and_approved_by_a_second_user(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        clerk = auth_headers(platform, "clerk")
        unit = await register_unit(client, platform)
        # A man aged 55 at the 2014-10 reform: at most 472 months from age 16 (1975-05-10).
        r = await client.post(
            "/v1/enrollment/persons",
            headers=clerk,
            json={
                "citizen_id": citizen_id(birth="19590510", seq="411"),
                "name": "视同",
                "unit_id": unit["id"],
                "staff_category": "civil_servant",
                "joined_on": "1980-01-01",
            },
        )
        person = r.json()["id"]
        url = f"/v1/enrollment/persons/{person}/retirement"
        retire = {"retired_on": "2019-06-01", "bank_account": BANK}
        doc = {"deemed_document": "人事档案 1980-017"}
        too_many = await client.post(
            url, headers=clerk, json={**retire, **doc, "deemed_months": 600, "deemed_index": "3.0"}
        )
        assert (too_many.status_code, too_many.json()["code"]) == (422, "deemed_period_implausible")
        assert too_many.json()["field"] == "deemed_months"
        index = await client.post(
            url, headers=clerk, json={**retire, **doc, "deemed_months": 300, "deemed_index": "3.5"}
        )
        assert index.json()["field"] == "deemed_index"
        undocumented = await client.post(
            url, headers=clerk, json={**retire, "deemed_months": 300, "deemed_index": "1.0"}
        )
        assert undocumented.json()["code"] == "deemed_document_missing"
        above = await client.post(
            url, headers=clerk, json={**retire, **doc, "deemed_months": 400, "deemed_index": "1.1"}
        )
        assert above.json()["code"] == "deemed_approval_required"
        assert await scalar(platform, "SELECT count(*) FROM enrollment.deemed_period") == 0

        period = await client.post(
            f"/v1/enrollment/persons/{person}/deemed-periods",
            headers=clerk,
            json={"months": 400, "deemed_index": "1.1", "document": "人事档案 1980-017"},
        )
        assert period.status_code == 201, period.text
        assert period.json()["status"] == "pending_approval"
        waiting = await client.post(url, headers=clerk, json=retire)
        assert waiting.json()["code"] == "deemed_approval_pending"
        approve = f"/v1/enrollment/deemed-periods/{period.json()['id']}/approve"
        own = await client.post(approve, headers=clerk)
        assert (own.status_code, own.json()["code"]) == (403, "four_eyes_required")
        # Admin is never the second pair of eyes, even with a clerk's login beside it.
        admin = await client.post(approve, headers=auth_headers(platform, "admin", subject="root"))
        assert (admin.status_code, admin.json()["code"]) == (403, "approver_role_required")
        second = await client.post(
            approve, headers=auth_headers(platform, "clerk", subject="clerk2")
        )
        assert (second.json()["status"], second.json()["approved_by"]) == ("approved", "clerk2")

        ok = await client.post(url, headers=clerk, json=retire)
        assert ok.status_code == 201, ok.text
        assert (ok.json()["deemed_months"], ok.json()["deemed_index"]) == (400, "1.1000")
        assert ok.json()["deemed_document"] == "人事档案 1980-017"
        actions = await scalar(
            platform,
            "SELECT string_agg(action, ',' ORDER BY id) FROM enrollment.audit_log "
            "WHERE object_type = 'deemed_period'",
        )
        assert actions == "deemed_period.recorded,deemed_period.approved"

        # The limits are dated parameters an admin submits and a finance user approves.
        limit = {"name": "deemed_approval_months", "effective_from": "2021-01-01", "value": "240"}
        refused = await client.post("/v1/enrollment/parameters/limits", headers=clerk, json=limit)
        assert refused.status_code == 403
        added = await set_parameter(client, platform, "limits", limit)
        assert (added["recorded_by"], added["decided_by"]) == (POLICY_MAKER, POLICY_CHECKER)
        names = {
            x["name"]
            for x in (await client.get("/v1/enrollment/parameters/limits", headers=clerk)).json()[
                "items"
            ]
        }
        assert {"minimum_working_age", "deemed_start_age", "deemed_index_min"} <= names


async def test_annuity_accounts_earn_their_own_rates(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [p] = await enrol(client, platform, unit, 1)
        finance = auth_headers(platform, "finance")
        refused = await finished(
            client,
            await client.post(
                "/v1/enrollment/interest-runs",
                headers=finance,
                json={"year": 2019, "account_kind": "annuity_notional"},
            ),
        )
        assert refused.json()["code"] == "interest_rate_missing"
        for kind, rate, note in (
            ("annuity_notional", "0.0500", "职业年金记账利率 (published)"),
            ("annuity_funded", "0.0350", "职业年金基金投资收益率 (declared by the fund)"),
        ):
            body = {"year": 2019, "account_kind": kind, "rate": rate, "note": note}
            await set_parameter(client, platform, "interest-rates", body)
        await publish(
            platform,
            credits(unit["id"], "2019-01", date(2019, 1, 20), [(p, "0", "600.00", "1200.00")]),
        )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 1))
        for kind in ("annuity_notional", "annuity_funded"):
            run = await finished(
                client,
                await client.post(
                    "/v1/enrollment/interest-runs",
                    headers=finance,
                    json={"year": 2019, "account_kind": kind},
                ),
            )
            assert run.status_code == 200, run.text
        record = (
            await client.get(
                f"/v1/enrollment/persons/{p}/rights-record/2019",
                headers=auth_headers(platform, "clerk"),
            )
        ).json()
        interest = {a["kind"]: a["interest"] for a in record["accounts"]}
        # 1200 x 5.00% x 11/12 = 55.00; 600 x 3.50% x 11/12 = 19.25.
        assert interest == {"basic": "0.00", "annuity_notional": "55.00", "annuity_funded": "19.25"}


async def test_a_posting_dated_into_a_run_year_gets_its_interest_as_a_correction(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [p] = await enrol(client, platform, unit, 1)
        await publish(
            platform, credits(unit["id"], "2019-01", date(2019, 1, 20), [(p, "1000.00", "0", "0")])
        )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 1))
        for year in (2019, 2020):
            r = await finished(
                client,
                await client.post(
                    "/v1/enrollment/interest-runs",
                    headers=auth_headers(platform, "finance"),
                    json={"year": year},
                ),
            )
            assert r.status_code == 200, r.text
        # June 2019 is recorded only now, value-dated 2019-06-20.
        await publish(
            platform, credits(unit["id"], "2019-06", date(2019, 6, 20), [(p, "1000.00", "0", "0")])
        )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 2))
        page = (
            await client.get(
                f"/v1/enrollment/persons/{p}/accounts/basic/postings",
                params={"limit": 50},
                headers=auth_headers(platform, "clerk"),
            )
        ).json()
        corrections = [
            (x["interest_year"], x["amount"], x["memo"].startswith("supplementary interest"))
            for x in page["items"]
            if x["posting_type"] == "interest_correction"
        ]
        # 2019: 1000 x 7.61% x 6/12 = 38.05; 2020: 1038.05 x 6.04% = 62.698 -> 62.70.
        assert corrections == [(2019, "38.05", True), (2020, "62.70", True)]
        record = (
            await client.get(
                f"/v1/enrollment/persons/{p}/rights-record/2019",
                headers=auth_headers(platform, "clerk"),
            )
        ).json()
        basic = next(a for a in record["accounts"] if a["kind"] == "basic")
        assert basic["interest"] == "107.81"  # the run's 69.76 and the correction's 38.05


async def test_codes_ids_and_joining_dates_that_cannot_be_true_are_refused(platform) -> None:
    async with running_app(create_app(platform)) as client:
        admin, clerk = auth_headers(platform, "admin"), auth_headers(platform, "clerk")
        for code in ("12511622ABCDEFGHIO", "!!  --  ??  ##  ~~"):
            r = await client.post(
                "/v1/enrollment/units",
                headers=admin,
                json={
                    "credit_code": code,
                    "name": "无效",
                    "funding_type": "full",
                    "code_check_override_reason": "早期赋码，校验位不符",
                },
            )
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["field"] == "credit_code"
        unit = await register_unit(client, platform, established_on="2010-06-01")
        person = {"name": "某", "unit_id": unit["id"], "staff_category": "civil_servant"}
        future = f"{agency_today().year + 1}0101"
        unborn = await client.post(
            "/v1/enrollment/persons",
            headers=clerk,
            json={**person, "citizen_id": citizen_id(birth=future), "joined_on": "2020-01-01"},
        )
        assert unborn.status_code == 422
        assert unborn.json()["errors"][0]["message"] == "身份证号中的出生日期晚于今天。"
        child = await client.post(
            "/v1/enrollment/persons",
            headers=clerk,
            json={**person, "citizen_id": citizen_id(birth="20150101"), "joined_on": "2020-03-01"},
        )
        assert (child.status_code, child.json()["field"]) == (422, "joined_on")
        early = {**person, "citizen_id": citizen_id(birth="19700101"), "joined_on": "2005-01-01"}
        before_unit = await client.post("/v1/enrollment/persons", headers=clerk, json=early)
        assert before_unit.json()["field"] == "joined_before_unit_reason"
        explained = await client.post(
            "/v1/enrollment/persons",
            headers=clerk,
            json={**early, "joined_before_unit_reason": "由原县人事局划转"},
        )
        assert explained.status_code == 201, explained.text
        assert await scalar(platform, "SELECT count(*) FROM enrollment.person") == 1
