"""Account closings leave no money behind (issue #10, items 1-3): late contributions follow the
person, the closing takes the interest to its date, every month the person holds travels."""

import json
from datetime import date

import pytest

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    acked,
    balances,
    citizen_id,
    credits,
    enrol,
    publish,
    record_death,
    register_unit,
    role_key,
    scalar,
    set_parameter,
    submit_parameter,
    withdraw_approved,
)
from tests.job_wait import finished
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
ELSEWHERE = {"area_code": "110105", "agency_name": "北京市朝阳区社保中心", "scheme": "institution"}
PAYEE = {"bank_code": "PSBC", "account_number": "6221880012345678", "account_name": "继承人"}
MONTH = ("480.00", "240.00", "480.00", "6000.00")  # basic, funded, notional, base


async def _months(platform, unit: dict, people: list[str], months: range, seen: int) -> int:
    """Credit 2020's months to these people, each month's receipt on the 20th."""
    for m in months:
        lines = [(p, *MONTH) for p in people]
        await publish(platform, credits(unit["id"], f"2020-{m:02d}", date(2020, m, 20), lines))
    seen += len(months)
    await eventually(lambda: acked(platform, "enrollment-accounts-credit", seen))
    return seen


async def _postings(platform, person: str) -> int:
    return await scalar(
        platform,
        "SELECT count(*) FROM enrollment.posting p JOIN enrollment.account a "
        f"ON a.id = p.account_id WHERE a.person_id = '{person}'",
    )


async def test_a_month_paid_after_the_closing_follows_the_person(platform) -> None:
    async with running_app(create_app(platform)) as client:
        clerk = auth_headers(platform, "clerk")
        unit = await register_unit(client, platform)
        leaver, dead = await enrol(client, platform, unit, 2, joined_on="2020-01-01")
        seen = await _months(platform, unit, [leaver, dead], range(1, 4), 0)

        preview = await client.get(
            f"/v1/enrollment/persons/{leaver}/closing-preview",
            params={"on": "2020-04-15"},
            headers=clerk,
        )
        assert preview.status_code == 200, preview.text
        assert preview.json()["unpaid_periods"] == ["2020-04"]
        out = await client.post(
            f"/v1/enrollment/persons/{leaver}/transfer-out",
            headers=clerk,
            json={
                "effective_on": "2020-04-15",
                "same_pooling_area": False,
                "destination": ELSEWHERE,
            },
        )
        assert out.status_code == 201, out.text
        # 1440.00 + 480 x (3 + 2 + 1) months x 6.04% / 12 = 14.496 -> 14.50 to the closing date.
        assert (out.json()["basic_amount"], out.json()["closing_interest"]) == ("1454.50", "14.50")
        assert out.json()["basic_amount"] == preview.json()["amounts"]["basic"]
        assert (out.json()["contribution_months"], out.json()["unpaid_periods"]) == (3, ["2020-04"])

        await record_death(client, platform, dead, "2020-04-10")
        heirs = await withdraw_approved(
            client,
            platform,
            dead,
            {
                "reason": "death",
                "effective_on": "2020-04-20",
                "evidence": "死亡证明",
                "payee": PAYEE,
            },
        )
        assert heirs.status_code == 200, heirs.text
        before = {p: await _postings(platform, p) for p in (leaver, dead)}

        # April is paid in May: it belongs to the period before both closings.
        await _months(platform, unit, [leaver, dead], range(4, 5), seen)

        assert {p: await _postings(platform, p) for p in (leaver, dead)} == before
        for person in (leaver, dead):
            assert set((await balances(client, platform, person, "2099-12-31")).values()) == {
                "0.00"
            }
        [moved] = (
            await client.get(f"/v1/enrollment/persons/{leaver}/supplements", headers=clerk)
        ).json()["items"]
        assert (
            moved["reason"],
            moved["period"],
            moved["basic_amount"],
            moved["annuity_notional_amount"],
            moved["annuity_funded_amount"],
            moved["pooled_fund_amount"],  # 12% of April's base goes with the month
            moved["contribution_months"],
        ) == ("late_contribution", "2020-04", "480.00", "480.00", "240.00", "720.00", 1)
        [paid] = (
            await client.get(f"/v1/enrollment/persons/{dead}/supplements", headers=clerk)
        ).json()["items"]
        assert (paid["basic_amount"], paid["pooled_fund_amount"]) == ("480.00", "0.00")
        events = json.loads(
            await scalar(
                platform,
                "SELECT json_agg(envelope->'payload' ORDER BY id)::text FROM enrollment.outbox "
                "WHERE envelope->>'type' = 'enrollment.person.closing_supplemented'",
            )
        )
        assert sorted((e["closing_kind"], e["basic_amount"]) for e in events) == [
            ("transfer_out", "480.00"),
            ("withdrawal", "480.00"),
        ]
        audited = await scalar(
            platform,
            "SELECT count(*) FROM enrollment.audit_log WHERE action = 'closing.supplemented'",
        )
        assert audited == 2


async def test_the_closing_takes_the_interest_and_the_year_end_run_skips_it(platform) -> None:
    async with running_app(create_app(platform)) as client:
        clerk, finance = auth_headers(platform, "clerk"), auth_headers(platform, "finance")
        unit = await register_unit(client, platform)
        gone, stays, late_year = await enrol(client, platform, unit, 3)
        await publish(
            platform,
            credits(
                unit["id"],
                "2019-03",
                date(2019, 3, 20),
                [(gone, "1000.00", "0", "0"), (stays, "1000.00", "0", "0")],
            ),
        )
        await publish(
            platform,
            credits(unit["id"], "2024-05", date(2024, 5, 20), [(late_year, "1000.00", "0", "0")]),
        )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 2))
        abroad = {"reason": "settled_abroad", "evidence": "定居证明", "payee": PAYEE}
        r = await withdraw_approved(
            client, platform, gone, {**abroad, "effective_on": "2020-06-30"}
        )
        # 2019: 1000 x 7.61% x 9/12 = 57.075 -> 57.08; 2020 through June:
        # 1057.08 x 6.04% x 6/12 = 31.92378 -> 31.92.
        paid = r.json()["result"]
        assert (paid["basic_amount"], paid["closing_interest"]) == ("1089.00", "89.00")
        for year in (2019, 2020):
            run = await finished(
                client,
                await client.post(
                    "/v1/enrollment/interest-runs", headers=finance, json={"year": year}
                ),
            )
            assert run.status_code == 200, run.text
        interest_after_closing = await scalar(
            platform,
            "SELECT count(*) FROM enrollment.posting p JOIN enrollment.account a "
            f"ON a.id = p.account_id WHERE a.person_id = '{gone}' AND p.posting_type = 'interest'",
        )
        assert interest_after_closing == 0
        # The open account earns both years: 57.08, then 1057.08 x 6.04% = 63.85.
        assert (await balances(client, platform, stays, "2020-12-31"))["basic"] == "1120.93"

        # 2025 has no published rate: 2024's 2.62% is used provisionally, then trued up.
        r = await withdraw_approved(
            client, platform, late_year, {**abroad, "effective_on": "2025-03-31"}
        )
        # 2024: 1000 x 2.62% x 7/12 = 15.28; 2025 through March: 1015.28 x 2.62% x 3/12 = 6.65.
        paid = r.json()["result"]
        assert (paid["basic_amount"], paid["closing_interest"]) == ("1021.93", "21.93")
        # One admin's word settles nothing: a submitted rate, or a rejected one, makes no
        # supplement; the true-up comes with a finance user's approval.
        supplements = f"/v1/enrollment/persons/{late_year}/supplements"
        rate_2025 = {"year": 2025, "account_kind": "basic", "rate": "0.0240"}
        wrong = await submit_parameter(client, platform, "interest-rates", rate_2025)
        assert (wrong.status_code, wrong.json()["status"]) == (201, "submitted"), wrong.text
        assert (await client.get(supplements, headers=clerk)).json()["items"] == []
        r = await client.post(
            f"/v1/enrollment/parameters/interest-rates/{wrong.json()['id']}/reject",
            headers=role_key(platform, "finance", "finance-rates"),
            json={"note": "公布文件未到"},
        )
        assert (r.status_code, r.json()["status"]) == (200, "rejected"), r.text
        assert (await client.get(supplements, headers=clerk)).json()["items"] == []
        older = {**rate_2025, "rate": "0.0300"}
        stale = await submit_parameter(client, platform, "interest-rates", older)
        rate = await set_parameter(client, platform, "interest-rates", rate_2025)
        [true_up] = (await client.get(supplements, headers=clerk)).json()["items"]
        # 1015.28 x 2.40% x 3/12 = 6.09168 -> 6.09, less the 6.65 paid.
        assert (true_up["reason"], true_up["basic_amount"]) == ("interest_true_up", "-0.56")
        assert true_up["rate_id"] == rate["id"]
        # An older version approved afterwards is not the one in force: it settles nothing.
        r = await client.post(
            f"/v1/enrollment/parameters/interest-rates/{stale.json()['id']}/approve",
            headers=role_key(platform, "finance", "finance-rates"),
            json={},
        )
        assert (r.status_code, r.json()["status"]) == (200, "approved"), r.text
        assert (await client.get(supplements, headers=clerk)).json()["items"] == [true_up]


async def test_every_month_the_person_holds_travels(platform) -> None:
    async with running_app(create_app(platform)) as client:
        clerk = auth_headers(platform, "clerk")
        unit = await register_unit(client, platform)
        arrival = {
            "citizen_id": citizen_id(birth="19750315", seq="311"),
            "name": "调入",
            "unit_id": unit["id"],
            "staff_category": "public_institution_staff",
            "joined_on": "2020-01-01",
            "origin": ELSEWHERE,
            "basic_amount": "20000.00",
            "pooled_fund_amount": "5000.00",
            "contribution_months": 120,
            "deemed_months": 60,
            "deemed_index": "1.2000",
        }
        r = await client.post("/v1/enrollment/transfers-in", headers=clerk, json=arrival)
        assert r.status_code == 201, r.text
        person = r.json()["person_id"]
        for m in (2, 3, 4):
            await publish(
                platform,
                credits(
                    unit["id"],
                    f"2020-{m:02d}",
                    date(2020, m, 20),
                    [(person, "400.00", "0", "0", "5000.00")],
                ),
            )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 3))
        leave = {"same_pooling_area": False, "destination": ELSEWHERE}
        out = await client.post(
            f"/v1/enrollment/persons/{person}/transfer-out",
            headers=clerk,
            json={**leave, "effective_on": "2020-06-30"},
        )
        assert out.status_code == 201, out.text
        moved = out.json()
        # 120 brought in + 3 here; 5000 brought in + 12% of 3 x 5000; deemed months travel too.
        assert (
            moved["contribution_months"],
            moved["pooled_fund_amount"],
            moved["deemed_months"],
            moved["deemed_index"],
        ) == (123, "6800.00", 60, "1.2000")
        # 20000 x 5 months + 400 x (4 + 3 + 2) = 103600 x 6.04% / 12 = 521.45.
        assert moved["basic_amount"] == "21721.45"

        # Back again with what the other agency holds, and out again: nothing counts twice.
        back = await client.post(
            "/v1/enrollment/transfers-in",
            headers=clerk,
            json={
                **arrival,
                "joined_on": "2020-08-01",
                "contribution_months": 123,
                "pooled_fund_amount": "6800.00",
                "deemed_months": 0,
                "deemed_index": None,
            },
        )
        assert back.status_code == 201, back.text
        again = await client.post(
            f"/v1/enrollment/persons/{person}/transfer-out",
            headers=clerk,
            json={**leave, "effective_on": "2020-09-30"},
        )
        assert (
            again.json()["contribution_months"],
            again.json()["pooled_fund_amount"],
            again.json()["deemed_months"],
        ) == (123, "6800.00", 60)
