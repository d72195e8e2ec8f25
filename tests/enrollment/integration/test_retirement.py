"""Retirement: checks from the dated rule tables, the record, and the event for payout."""

import json
from datetime import date
from decimal import Decimal

import pytest

from services.enrollment.main import create_app
from services.payout.determinations.first import index_basis
from services.payout.domain.average_index import IndexRule, average_index
from shared.contracts import PersonRetired
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    acked,
    citizen_id,
    credits,
    publish,
    register_unit,
    scalar,
    set_parameter,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
BANK = {"bank_code": "PSBC", "account_number": "6221880012345678", "account_name": "钱老"}


async def retire(client, platform, person: str, **body):
    payload = {
        "retired_on": "2020-03-15",
        "deemed_months": 170,
        "deemed_index": "1.0500",
        "deemed_document": "人事档案 A-001",
        "bank_account": BANK,
        **body,
    }
    return await client.post(
        f"/v1/enrollment/persons/{person}/retirement",
        headers=auth_headers(platform, "clerk"),
        json=payload,
    )


async def test_retirement_checks_record_and_event(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        r = await client.post(
            "/v1/enrollment/persons",
            headers=auth_headers(platform, "clerk"),
            json={
                "citizen_id": citizen_id(birth="19600315", seq="111"),
                "name": "钱老",
                "unit_id": unit["id"],
                "staff_category": "civil_servant",
                "joined_on": "2005-01-01",
            },
        )
        person = r.json()["id"]
        for month in range(1, 13):
            await publish(
                platform,
                credits(
                    unit["id"],
                    f"2019-{month:02d}",
                    date(2019, month, 20),
                    [(person, "500.00", "250.00", "500.00", "6250.00")],
                ),
            )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 12))

        too_young = await retire(client, platform, person, retired_on="2020-03-14")
        assert (too_young.status_code, too_young.json()["code"]) == (
            409,
            "retirement_age_not_reached",
        )
        assert too_young.json()["required_age_months"] == 720
        too_few = await retire(client, platform, person, deemed_months=160)
        assert (too_few.status_code, too_few.json()["code"]) == (
            409,
            "contribution_years_insufficient",
        )
        assert (too_few.json()["contribution_months"], too_few.json()["minimum_months"]) == (
            12,
            180,
        )
        no_index = await retire(client, platform, person, deemed_index=None)
        assert no_index.status_code == 422
        assert no_index.json()["errors"][0]["field"] == "deemed_index"
        assert await scalar(platform, "SELECT count(*) FROM enrollment.retirement") == 0

        ok = await retire(client, platform, person)
        assert ok.status_code == 201, ok.text
        record = ok.json()
        assert (record["age_months"], record["contribution_months"], record["deemed_months"]) == (
            720,
            12,
            170,
        )
        # 6000.00 with its interest to the retirement date: 2019 at 7.61% (209.28) and
        # 2020 at 6.04% through March (93.76).
        assert record["basic_balance"] == "6303.04"
        assert record["annuity_funded_balance"] == "3000.00"
        assert record["average_index"] is None  # these credits carried no index
        twice = await retire(client, platform, person)
        assert (twice.status_code, twice.json()["code"]) == (409, "status_transition_refused")
        person_now = await client.get(
            f"/v1/enrollment/persons/{person}", headers=auth_headers(platform, "clerk")
        )
        assert person_now.json()["status"] == "retired"
        retired = json.loads(
            await scalar(
                platform,
                "SELECT envelope::text FROM enrollment.outbox "
                "WHERE envelope->>'type' = 'enrollment.person.retired'",
            )
        )
        payload = retired["payload"]
        assert (payload["retired_on"], payload["basic_balance"], payload["bank_code"]) == (
            "2020-03-15",
            "6303.04",
            "PSBC",
        )
        assert payload["deemed_index"] == "1.0500"
        fetched = await client.get(
            f"/v1/enrollment/persons/{person}/retirement", headers=auth_headers(platform, "auditor")
        )
        assert fetched.json()["age_rule_id"] == record["age_rule_id"]


async def test_retirement_parameters_can_be_read_and_extended(platform) -> None:
    async with running_app(create_app(platform)) as client:
        rules = (
            await client.get(
                "/v1/enrollment/parameters/retirement-age-rules",
                headers=auth_headers(platform, "auditor"),
            )
        ).json()["items"]
        assert len(rules) == 6 and {r["recorded_by"] for r in rules} == {"system:defaults"}
        minimum = (
            await client.get(
                "/v1/enrollment/parameters/minimum-contribution-rules",
                headers=auth_headers(platform, "auditor"),
            )
        ).json()["items"]
        assert [(m["from_year"], m["months"]) for m in minimum][:2] == [(1990, 180), (2030, 186)]
        added = await set_parameter(
            client,
            platform,
            "minimum-contribution-rules",
            {"from_year": 2040, "months": 240, "note": "cap"},
        )
        assert added["months"] == 240
        refused = await client.post(
            "/v1/enrollment/parameters/retirement-age-rules",
            headers=auth_headers(platform, "clerk"),
            json={},
        )
        assert refused.status_code == 403


async def test_retirement_event_carries_the_indices_of_local_and_brought_in_months(
    platform,
) -> None:
    """Issue #18 item 1: the months brought in count in I with the index their origin
    stated; the event gives payout the sums (payout weighs them with the deemed years)."""
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        clerk = auth_headers(platform, "clerk")
        body = {
            "citizen_id": citizen_id(birth="19600315", seq="113"),
            "name": "孙老",
            "unit_id": unit["id"],
            "staff_category": "civil_servant",
            "joined_on": "2019-01-01",
            "origin": {"area_code": "110105", "agency_name": "北京市朝阳区社保中心"},
            "basic_amount": "30000.00",
            "contribution_months": 120,
            "contribution_index": "1.2000",
        }
        low = await client.post(
            "/v1/enrollment/transfers-in",
            headers=clerk,
            json=body | {"contribution_index": "0.3000"},
        )
        assert (low.status_code, low.json()["code"]) == (422, "contribution_index_out_of_range")
        r = await client.post("/v1/enrollment/transfers-in", headers=clerk, json=body)
        assert r.status_code == 201, r.text
        person = r.json()["person_id"]
        for month in range(1, 13):
            envelope = credits(
                unit["id"],
                f"2019-{month:02d}",
                date(2019, month, 20),
                [(person, "500.00", "250.00", "500.00", "6250.00")],
            )
            payload = dict(envelope.payload)
            payload["lines"] = [
                line | {"contribution_index": "0.8000"} for line in payload["lines"]
            ]
            await publish(platform, envelope.model_copy(update={"payload": payload}))
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 12))
        ok = await retire(client, platform, person, deemed_months=60)
        assert ok.status_code == 201, ok.text
        record = ok.json()
        assert (record["contribution_months"], record["indexed_months"]) == (132, 12)
        assert (record["average_index"], record["index_sum"]) == ("0.8000", "9.6000")
        assert (record["transferred_months"], record["transferred_indexed_months"]) == (120, 120)
        assert record["transferred_index_sum"] == "144.0000"
        retired = json.loads(
            await scalar(
                platform,
                "SELECT envelope::text FROM enrollment.outbox "
                "WHERE envelope->>'type' = 'enrollment.person.retired'",
            )
        )
        event = PersonRetired.model_validate(retired["payload"])
        assert (event.index_sum, event.transferred_index_sum) == (Decimal("9.6"), Decimal(144))
        # Payout's rule on this event: (9.6 + 144 + 1.05 × 60) / 192 = 1.128125 → 1.1281,
        # where the local months alone said 0.8000.
        assert average_index(index_basis(event), IndexRule()) == Decimal("1.1281")
