"""Death in the retirement month, and a death before any determination is approved: the
death benefits are never lost (issue #18, item 3)."""

from datetime import date

import pytest

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.payout.integration.helpers import (
    grant_death_benefits,
    key,
    publish,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
SURVIVOR = {
    "survivor_name": "钱小",
    "survivor_citizen_id": "330522198501011233",
    "relationship": "子女",
    "bank_code": "PSBC",
    "account_number": "6221889900001111",
}


async def die(client, platform, retired: EventEnvelope, on: date) -> None:
    """Publish the death and wait until payout has applied it."""
    person = retired.aggregate_id
    death = PersonDeceased(person_id=person, unit_id=retired.payload["unit_id"], date_of_death=on)
    await publish(platform, EventEnvelope.wrap(death, source="enrollment", aggregate_id=person))

    async def listed() -> bool:
        r = await client.get(
            "/v1/payout/death-benefits/due", headers=auth_headers(platform, "clerk")
        )
        return any(d["person_id"] == person for d in r.json()["items"])

    await eventually(listed)


async def test_a_death_in_the_retirement_month_pays_the_death_benefits(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(181)  # retired 2025-03-15: paid from April
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await die(client, platform, retired, date(2025, 3, 28))
        run = await run_payroll(client, platform, "2025-05")
        assert run["payments"] == 0  # no month of pension is owed
        staff = auth_headers(platform, "finance")
        granted = await grant_death_benefits(client, platform, person, SURVIVOR, staff)
        # 5000 funeral + 20 × 4792.71 (the first month's benefit) + both balances whole.
        assert granted["survivor_base"] == "4792.71"
        assert (granted["basic_balance_left"], granted["annuity_balance_left"]) == (
            "101000.00",
            "50500.00",
        )
        assert granted["total"] == "252354.20"
        assert granted["parameter_versions"]["determination_seq"] == first["seq"]
        paid = await run_payroll(client, platform, "2025-06")
        assert paid["payments"] == 1
        due = await client.get("/v1/payout/death-benefits/due", headers=staff)
        assert person not in {d["person_id"] for d in due.json()["items"]}


async def test_a_death_before_the_determination_is_approved_waits_listed(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(182)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await die(client, platform, retired, date(2025, 3, 20))
        staff = auth_headers(platform, "finance")
        early = await client.post(
            f"/v1/payout/retirees/{person}/death-benefits", headers=staff | key(), json=SURVIVOR
        )
        assert (early.status_code, early.json()["code"]) == (409, "determination_pending")
        [due] = (await client.get("/v1/payout/death-benefits/due", headers=staff)).json()["items"]
        assert (due["person_id"], due["died_on"], due["determination_approved"]) == (
            person,
            "2025-03-20",
            False,
        )
        await review(client, platform, first["id"])
        [due] = (await client.get("/v1/payout/death-benefits/due", headers=staff)).json()["items"]
        assert due["determination_approved"] is True
        granted = await grant_death_benefits(client, platform, person, SURVIVOR, staff)
        assert granted["total"] == "252354.20"
        assert (await client.get("/v1/payout/death-benefits/due", headers=staff)).json()[
            "items"
        ] == []
