"""Subsidies pro-rated where the program's standard says so (issue #18, "Also"): the
quarter of the first month paid, of the month of death, and of a survivor pension's first
month after the death pay a third per month owed."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import (
    approve,
    entitle,
    key,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.payout.parameters_helper import set_parameter
from tests.support.payout_deaths import dies
from tests.support.payout_subsidies import run_quarter, subsidy_lines

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def prorated(client, platform, program: str, label: str, amount: str) -> None:
    """A standard that pro-rates partial quarters, in force from 2025."""
    await set_parameter(
        client,
        platform,
        {
            "name": f"subsidy.{program}",
            "effective_from": "2025-01-01",
            "value": {"label": label, "quarterly_amount": amount, "prorate": True},
            "note": "按月折算",
        },
    )


async def amounts(platform, person: str, table: str, program: str) -> str:
    return await scalar(
        platform,
        "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || amount, ',' ORDER BY period) "
        f"FROM payout.{table} WHERE person_id = '{person}' AND program = '{program}'",
    )


async def test_first_month_and_month_of_death_are_pro_rated(platform) -> None:
    async with running_app(create_app(platform)) as client:
        await prorated(client, platform, "living_subsidy", "生活补贴", "6000.00")
        await prorated(client, platform, "survivor_pension", "遗属生活补助", "1500.00")
        clerk = auth_headers(platform, "clerk")
        late = retirement(190, retired_on=date(2025, 4, 15))  # paid from May
        early = retirement(191)  # paid from April
        people = []
        for retired in (late, early):
            [first] = await retire(client, platform, retired)
            await review(client, platform, first["id"])
            body = {"program": "living_subsidy", "from_quarter": "2025-Q2"}
            await entitle(client, platform, first["person_id"], body, clerk)
            people.append(first["person_id"])
        a, b = people
        assert (await run_quarter(client, platform, "2025-Q2"))["amount"] == "10000.00"
        assert await amounts(platform, a, "one_off", "living_subsidy") == "2025-04 4000.00"
        assert await amounts(platform, b, "one_off", "living_subsidy") == "2025-04 6000.00"

        # B dies in April before the line is sent: the quarter pays April only.
        await dies(platform, early, date(2025, 4, 5))
        assert await subsidy_lines(platform, b) == "2025-04 pending"
        assert await amounts(platform, b, "one_off", "living_subsidy") == "2025-04 2000.00"

        # A is paid Q2 and Q3 whole, then dies in August: Q3 paid a month too many.
        await run_quarter(client, platform, "2025-Q3")
        await run_payroll(client, platform, "2025-07")
        assert await amounts(platform, a, "payment", "living_subsidy") == (
            "2025-04 4000.00,2025-07 6000.00"
        )
        await dies(platform, late, date(2025, 8, 20))
        cases = await scalar(
            platform,
            "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || amount, ',') "
            f"FROM payout.recovery WHERE person_id = '{a}' AND program = 'living_subsidy'",
        )
        assert cases == "2025-07 2000.00"  # September

        # A's survivor pension begins after August: September only in Q3.
        r = await client.post(
            f"/v1/payout/retirees/{a}/subsidies",
            headers=auth_headers(platform, "finance") | key(),
            json={
                "program": "survivor_pension",
                "from_quarter": "2025-Q3",
                "survivor": {
                    "survivor_name": "孙遗",
                    "survivor_citizen_id": "330522196001010016",
                    "relationship": "配偶",
                    "bank_code": "ICBC",
                    "account_number": "6222020000007777",
                },
            },
        )
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/subsidies/{r.json()['id']}/approve")
        await run_quarter(client, platform, "2025-Q4")
        assert await amounts(platform, a, "one_off", "survivor_pension") == (
            "2025-07 500.00,2025-10 1500.00"
        )
        total = sum(
            Decimal(x.split()[1])
            for x in (await amounts(platform, a, "one_off", "survivor_pension")).split(",")
        )
        assert total == Decimal("2000.00")
