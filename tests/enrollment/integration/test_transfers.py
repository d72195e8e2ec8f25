"""Transfers out and in, within and across pooling areas."""

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
    register_unit,
    scalar,
    set_parameter,
    submit_parameter,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
ELSEWHERE = {"area_code": "110105", "agency_name": "北京市朝阳区社保中心", "scheme": "institution"}


async def test_transfer_out_across_areas_moves_the_money(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [a] = await enrol(client, platform, unit, 1)
        for month in (1, 2, 3):
            await publish(
                platform,
                credits(
                    unit["id"],
                    f"2019-{month:02d}",
                    date(2019, month, 20),
                    [(a, "480.00", "240.00", "480.00", "6000.00")],
                ),
            )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 3))
        clerk = auth_headers(platform, "clerk")
        r = await client.post(
            f"/v1/enrollment/persons/{a}/transfer-out",
            headers=clerk,
            json={
                "effective_on": "2020-01-15",
                "same_pooling_area": False,
                "destination": ELSEWHERE,
            },
        )
        assert r.status_code == 201, r.text
        moved = r.json()
        assert (
            moved["basic_amount"],
            moved["pooled_fund_amount"],
            moved["contribution_months"],
            moved["annuity_notional_amount"],
        ) == ("1539.03", "2160.00", 3, "1440.00")  # 1440.00 + 91.32 (2019) + 7.71 (2020-01)
        assert set((await balances(client, platform, a, "2020-12-31")).values()) == {"0.00"}
        again = await client.post(
            f"/v1/enrollment/persons/{a}/transfer-out",
            headers=clerk,
            json={
                "effective_on": "2020-02-01",
                "same_pooling_area": False,
                "destination": ELSEWHERE,
            },
        )
        assert again.json()["code"] == "status_transition_refused"
        event = json.loads(
            await scalar(
                platform,
                "SELECT envelope::text FROM enrollment.outbox WHERE envelope->>'type' = "
                "'enrollment.person.transferred_out'",
            )
        )
        assert event["payload"]["pooled_fund_amount"] == "2160.00"

        # Coming back: the relation reopens and the months brought in count.
        person = await client.get(f"/v1/enrollment/persons/{a}", headers=clerk)
        back = await client.post(
            "/v1/enrollment/transfers-in",
            headers=clerk,
            json={
                "citizen_id": person.json()["citizen_id"],
                "name": person.json()["name"],
                "unit_id": unit["id"],
                "staff_category": "worker",
                "joined_on": "2020-06-01",
                "origin": ELSEWHERE,
                "basic_amount": "1500.00",
                "contribution_months": 8,
            },
        )
        assert back.status_code == 201, back.text
        assert back.json()["status"] == "active"
        assert (await balances(client, platform, a, "2020-12-31"))["basic"] == "1500.00"
        months = await scalar(
            platform,
            "SELECT sum(contribution_months) FROM enrollment.transfer WHERE direction = 'in'",
        )
        assert months == 8


async def test_within_the_area_only_the_relation_moves(platform) -> None:
    async with running_app(create_app(platform)) as client:
        first = await register_unit(client, platform)
        second = await register_unit(client, platform, serial=2)
        [b] = await enrol(client, platform, first, 1)
        clerk = auth_headers(platform, "clerk")
        missing = await client.post(
            f"/v1/enrollment/persons/{b}/transfer-out",
            headers=clerk,
            json={"effective_on": "2020-01-15", "same_pooling_area": True},
        )
        assert missing.status_code == 422
        r = await client.post(
            f"/v1/enrollment/persons/{b}/transfer-out",
            headers=clerk,
            json={
                "effective_on": "2020-01-15",
                "same_pooling_area": True,
                "new_unit_id": second["id"],
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["basic_amount"] == "0.00"
        now = (await client.get(f"/v1/enrollment/persons/{b}", headers=clerk)).json()
        assert (now["unit_id"], now["status"]) == (second["id"], "active")
        history = (
            await client.get(f"/v1/enrollment/persons/{b}/status-changes", headers=clerk)
        ).json()["items"]
        assert [h["change_type"] for h in history] == [
            "new_enrolment",
            "transfer_out",
            "transfer_in",
        ]
        assert await scalar(platform, "SELECT count(*) FROM enrollment.posting") == 0


async def test_transfer_in_of_a_new_person_and_refusals(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        clerk = auth_headers(platform, "clerk")
        body = {
            "citizen_id": citizen_id(seq="901"),
            "name": "外来",
            "unit_id": unit["id"],
            "staff_category": "public_institution_staff",
            "joined_on": "2020-03-01",
            "origin": {**ELSEWHERE, "scheme": "enterprise"},
            "basic_amount": "12000.50",
            "annuity_funded_amount": "0.00",
            "contribution_months": 96,
        }
        r = await client.post("/v1/enrollment/transfers-in", headers=clerk, json=body)
        assert r.status_code == 201, r.text
        assert (await balances(client, platform, r.json()["person_id"], "2020-12-31"))[
            "basic"
        ] == "12000.50"
        twice = await client.post("/v1/enrollment/transfers-in", headers=clerk, json=body)
        assert (twice.status_code, twice.json()["code"]) == (409, "person_already_enrolled")
        bad = await client.post(
            "/v1/enrollment/transfers-in", headers=clerk, json={**body, "basic_amount": 1.5}
        )
        assert bad.status_code == 422


async def test_pooled_fund_rate_is_a_dated_parameter(platform) -> None:
    async with running_app(create_app(platform)) as client:
        rates = (
            await client.get(
                "/v1/enrollment/parameters/pooled-fund-rates",
                headers=auth_headers(platform, "auditor"),
            )
        ).json()["items"]
        assert [(r["effective_from"], r["rate"]) for r in rates] == [("2014-10-01", "0.1200")]
        newer = {"effective_from": "2021-01-01", "rate": "0.1300"}
        submitted = await submit_parameter(client, platform, "pooled-fund-rates", newer)
        assert (submitted.status_code, submitted.json()["status"]) == (201, "submitted")
        listed = await client.get(
            "/v1/enrollment/parameters/pooled-fund-rates", headers=auth_headers(platform, "clerk")
        )
        assert [r["status"] for r in listed.json()["items"]] == ["submitted", "approved"]
        approved = await set_parameter(client, platform, "pooled-fund-rates", newer)
        assert (approved["rate"], approved["decided_by"]) == ("0.1300", "finance-policy")
        refused = await client.post(
            "/v1/enrollment/parameters/pooled-fund-rates",
            headers=auth_headers(platform, "clerk"),
            json={"effective_from": "2021-01-01", "rate": "0.13"},
        )
        assert refused.status_code == 403
