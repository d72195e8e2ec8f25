"""Invariants of settlement under a random sequence of payments, against the real services:
due = paid + outstanding for every plan after every receipt, receipts are never over-used,
and what enrollment credits equals what the settled plans hold for the accounts."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers
from tests.contribution.helpers import (
    declare_and_approve,
    generate,
    plans,
    register,
    scalar,
    wage_lines,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_random_payments_keep_the_books_straight(platform, start_apps) -> None:
    enrollment, contribution = await start_apps(
        enrollment_app(platform), contribution_app(platform)
    )
    county = await register(
        enrollment, contribution, platform, {"县统计局": ("partial", 3, "2019-06-01")}
    )
    unit = county.units["县统计局"]
    staff = county.persons["县统计局"]
    lines = wage_lines(staff, "5000.00")
    lines[0]["wage"] = "2500.00"  # raised to the floor
    await declare_and_approve(contribution, platform, unit, 2020, lines)
    for month in range(1, 7):
        await generate(contribution, platform, f"2020-{month:02d}")
    rng = random.Random(4)
    day = date(2020, 1, 5)
    for n in range(14):
        day += timedelta(days=rng.randrange(3, 20))
        amount = Decimal(rng.randrange(100, 600_000)) / 100
        r = await contribution.post(
            "/v1/contribution/receipts",
            headers=auth_headers(platform, "finance", **{"Idempotency-Key": f"random-{n:04d}"}),
            json={"unit_id": unit["id"], "amount": str(amount), "received_on": day.isoformat()},
        )
        assert r.status_code == 201, r.text
        receipt = r.json()
        used = sum(Decimal(a["principal"]) + Decimal(a["late_fee"]) for a in receipt["allocations"])
        assert used + Decimal(receipt["unallocated"]) == amount
        for plan in await plans(contribution, platform, unit):
            assert Decimal(plan["total"]) == Decimal(plan["paid_total"]) + Decimal(
                plan["outstanding"]
            )
            assert Decimal(plan["outstanding"]) >= 0
            assert (plan["settled_on"] is not None) == (plan["outstanding"] == "0.00")

    received = await scalar(platform, "SELECT sum(amount) FROM contribution.receipt")
    allocated = await scalar(
        platform, "SELECT coalesce(sum(principal + late_fee), 0) FROM contribution.allocation"
    )
    left = await scalar(platform, "SELECT sum(unallocated) FROM contribution.receipt")
    assert allocated + left == received
    # For the accounts: individual 8% (basic), annuity 4% + unit 8% (funded or notional).
    settled = await scalar(
        platform,
        "SELECT coalesce(sum(l.basic_individual + l.annuity_individual + l.annuity_unit "
        "+ l.annuity_unit_notional), 0) FROM contribution.plan_line l "
        "JOIN contribution.plan p ON p.id = l.plan_id WHERE p.settled_on IS NOT NULL",
    )
    assert settled > 0

    async def credited_matches() -> bool:
        credited = await scalar(
            platform,
            "SELECT coalesce(sum(amount), 0) FROM enrollment.posting "
            "WHERE posting_type = 'contribution'",
        )
        return credited == settled

    await eventually(credited_matches)
