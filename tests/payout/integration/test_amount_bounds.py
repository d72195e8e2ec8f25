"""Plausible amounts at every entry of payout (issue #17): above its dated bound an amount is
a 422 naming the field that changes nothing, and every amount column is the numeric(14, 2)
whose largest value domain/bounds.py proves every total stays within."""

from datetime import date

import pytest

from services.payout.domain.bounds import COLUMN_MAX
from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import key, publish, retire, retirement, review
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


def refused(r, field: str) -> None:
    """The answer is the bound's problem for `field`."""
    assert r.headers["content-type"] == "application/problem+json", r.text
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        422,
        "amount_above_bound",
        field,
    ), r.text


async def test_every_amount_column_is_the_one_the_proof_is_about(platform) -> None:
    async with running_app(create_app(platform)):
        columns = await scalar(
            platform,
            "SELECT string_agg(DISTINCT numeric_precision || ',' || numeric_scale, ' ') "
            "FROM information_schema.columns "
            "WHERE table_schema = 'payout' AND data_type = 'numeric'",
        )
        assert columns == "14,2"
        assert await scalar(platform, f"SELECT CAST({COLUMN_MAX} AS numeric(14, 2))") == COLUMN_MAX


async def test_typed_determination_inputs_are_bounded(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(131))
        approved = await review(client, platform, first["id"])
        person = approved["person_id"]
        clerk = auth_headers(platform, "clerk", subject="clerk-x")
        count = f"SELECT count(*) FROM payout.determination WHERE person_id = '{person}'"
        before = await scalar(platform, count)

        r = await client.post(
            f"/v1/payout/retirees/{person}/adjustments",
            headers=clerk | key(),
            json={"effective_from": "2025-07-01", "fixed_amount": "2000.01", "reason": "调待"},
        )
        refused(r, "fixed_amount")
        correct = f"/v1/payout/determinations/{approved['id']}/corrections"
        r = await client.post(
            correct, headers=clerk | key(), json={"basic_balance": "5000000.01", "reason": "x"}
        )
        refused(r, "basic_balance")
        # 101,000 → 700,000 at 101 months (aged 65): about 5,930 a month more, above 5,000.
        r = await client.post(
            correct, headers=clerk | key(), json={"basic_balance": "700000.00", "reason": "x"}
        )
        refused(r, "monthly_amount")
        assert r.json()["bound"] == "5000.00"
        assert await scalar(platform, count) == before  # nothing made
        r = await client.post(
            correct, headers=clerk | key(), json={"basic_balance": "111000.00", "reason": "x"}
        )
        assert r.status_code == 201, r.text  # within the bound: made, to be reviewed

        trial = {
            "wage_base": "100000.01",
            "average_index": "1.1",
            "contribution_years": "25",
            "deemed_years": "10",
            "deemed_index": "1.1",
            "transition_coefficient": "0.012",
            "basic_balance": "101000.00",
            "annuity_balance": "0.00",
            "retirement_age": 60,
        }
        r = await client.post("/v1/payout/determinations/trial", headers=clerk, json=trial)
        refused(r, "wage_base")

        # Old-method standards of a transition-period retirement: salary and allowances.
        [waiting] = await retire(
            client, platform, retirement(132, retired_on=date(2019, 6, 30), age_months=70 * 12)
        )
        old = f"/v1/payout/determinations/{waiting['id']}/old-method"
        for body, field in (
            ({"final_salary": "100000.01", "service_years": 36}, "final_salary"),
            (
                {"final_salary": "5200.00", "service_years": 36, "allowances": "20000.01"},
                "allowances",
            ),
        ):
            refused(await client.post(old, headers=clerk | key(), json=body), field)
        r = await client.post(
            old, headers=clerk | key(), json={"final_salary": "5200.00", "service_years": 36}
        )
        assert r.status_code == 201, r.text


async def test_the_ceiling_is_a_dated_parameter_that_death_benefits_respect(platform) -> None:
    async with running_app(create_app(platform)) as client:
        admin = auth_headers(platform, "admin")
        bounds = (
            await client.get(
                "/v1/payout/parameters",
                params={"name": "amount_bounds"},
                headers=auth_headers(platform, "auditor"),
            )
        ).json()["items"][-1]["value"]
        over = await client.post(
            "/v1/payout/parameters",
            headers=admin | key(),
            json={
                "name": "amount_bounds",
                "effective_from": "2025-01-01",
                "value": bounds | {"one_off_ceiling": "500000.01"},  # above the hard cap
            },
        )
        assert (over.status_code, over.json()["code"]) == (422, "validation_failed")
        await set_parameter(
            client,
            platform,
            {
                "name": "amount_bounds",
                "effective_from": "2025-01-01",
                "value": bounds | {"one_off_ceiling": "100000.00"},
                "note": "一次性支付上限下调",
            },
        )

        retired = retirement(133)
        [first] = await retire(client, platform, retired)
        await review(client, platform, first["id"])
        person = first["person_id"]
        death = PersonDeceased(
            person_id=person, unit_id=retired.payload["unit_id"], date_of_death=date(2025, 5, 10)
        )
        await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

        async def deceased() -> bool:
            status = f"SELECT status FROM payout.retiree WHERE person_id = '{person}'"
            return await scalar(platform, status) == "deceased"

        await eventually(deceased)
        r = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits",
            headers=auth_headers(platform, "finance") | key(),
            json={
                "survivor_name": "钱小",
                "survivor_citizen_id": "330522198501011233",
                "relationship": "子女",
                "bank_code": "PSBC",
                "account_number": "6221889900001111",
            },
        )
        refused(r, "total")  # about 250,000 (balances included) above 100,000 from 2025
        assert r.json()["bound"] == "100000.00"
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
        assert await scalar(platform, "SELECT count(*) FROM payout.death_benefit") == 0
