"""Contribution credits reach the accounts once; the yearly interest run posts once, exactly."""

import random
import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.enrollment.domain.interest import InterestConvention, Posting, yearly_interest
from services.enrollment.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app

# balances, publish and scalar stay importable from here for contribution's tests.
from tests.enrollment.helpers import (
    acked,
    balances,
    count_processed,
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


async def test_credits_are_posted_once_even_when_delivered_twice(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [a, b] = await enrol(client, platform, unit, 2)
        event = credits(
            unit["id"],
            "2020-03",
            date(2020, 3, 20),
            [(a, "640.00", "320.00", "640.00"), (b, "512.50", "256.25", "0.00")],
        )
        await publish(platform, event)
        await publish(platform, event, msg_id="redelivered-copy")

        async def posted() -> bool:
            return (await balances(client, platform, a, "2020-12-31"))["basic"] == "640.00"

        await eventually(posted)
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 2))
        assert await count_processed(platform, 1)
        assert await balances(client, platform, b, "2020-12-31") == {
            "basic": "512.50",
            "annuity_notional": "0.00",
            "annuity_funded": "256.25",
        }
        assert await balances(client, platform, a, "2020-03-19") == {
            "basic": "0.00",
            "annuity_notional": "0.00",
            "annuity_funded": "0.00",
        }
        assert await scalar(platform, "SELECT count(*) FROM enrollment.posting") == 5
        r = await client.get(
            f"/v1/enrollment/persons/{a}/accounts/basic/postings",
            headers=auth_headers(platform, "clerk"),
        )
        [posting] = r.json()["items"]
        assert (posting["posting_type"], posting["amount"], posting["period"]) == (
            "contribution",
            "640.00",
            "2020-03",
        )


async def test_credit_for_an_unknown_person_is_dead_lettered_not_dropped(platform) -> None:
    async with running_app(
        create_app(platform.model_copy(update={"consumer_max_deliver": 2}))
    ) as client:
        unit = await register_unit(client, platform)
        await publish(
            platform,
            credits(
                unit["id"],
                "2020-04",
                date(2020, 4, 20),
                [(str(uuid.uuid4()), "1.00", "0.00", "0.00")],
            ),
        )

        async def dead() -> bool:
            r = await client.get(
                "/v1/enrollment/admin/dead-letters", headers=auth_headers(platform, "admin")
            )
            return r.json()["total"] == 1

        await eventually(dead, within=30)
        assert await scalar(platform, "SELECT count(*) FROM enrollment.posting") == 0


async def test_interest_run_matches_the_rule_and_posts_once(platform) -> None:
    rng = random.Random(7)
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        people = await enrol(client, platform, unit, 6)
        expected_postings: dict[str, list[Posting]] = {p: [] for p in people}
        for month, day in ((12, 20), (3, 5), (7, 31), (11, 2)):
            year = 2019 if month == 12 and day == 20 else 2020
            lines = []
            for p in people:
                amount = Decimal(rng.randrange(0, 2_000_000)) / 100
                lines.append((p, str(amount), "0.00", "0.00"))
                expected_postings[p].append(Posting(amount, date(year, month, day)))
            await publish(
                platform, credits(unit["id"], f"{year}-{month:02d}", date(year, month, day), lines)
            )
        await eventually(lambda: count_processed(platform, 4))

        finance = auth_headers(platform, "finance", **{"Idempotency-Key": "interest-2020-a"})
        first = await finished(
            client,
            await client.post(
                "/v1/enrollment/interest-runs",
                headers=finance,
                json={"year": 2020, "account_kind": "basic"},
            ),
        )
        assert first.status_code == 200, first.text
        for p in people:
            want = yearly_interest(
                expected_postings[p], 2020, Decimal("0.0604"), InterestConvention.month_after_credit
            )
            r = await client.get(
                f"/v1/enrollment/persons/{p}/accounts/basic/postings",
                params={"start": "2020-12-31"},
                headers=auth_headers(platform, "clerk"),
            )
            [interest] = r.json()["items"]
            assert Decimal(interest["amount"]) == want
            assert interest["interest_year"] == 2020
        total = sum(
            yearly_interest(v, 2020, Decimal("0.0604"), InterestConvention.month_after_credit)
            for v in expected_postings.values()
        )
        assert Decimal(first.json()["total_interest"]) == total
        assert first.json()["accounts"] == 6

        # A corrected rate afterwards does not change a year already run.
        corrected = {"year": 2020, "account_kind": "basic", "rate": "0.0700"}
        await set_parameter(client, platform, "interest-rates", corrected)
        again = await finished(
            client,
            await client.post(
                "/v1/enrollment/interest-runs",
                headers=auth_headers(platform, "finance"),
                json={"year": 2020, "account_kind": "basic"},
            ),
        )
        assert again.json() == first.json()
        assert (
            await scalar(
                platform, "SELECT count(*) FROM enrollment.posting WHERE posting_type = 'interest'"
            )
            == 6
        )


async def test_interest_run_refusals(platform) -> None:
    async with running_app(create_app(platform)) as client:
        finance = auth_headers(platform, "finance")
        this_year = agency_today().year
        r = await finished(
            client,
            await client.post(
                "/v1/enrollment/interest-runs", headers=finance, json={"year": this_year}
            ),
        )
        assert (r.status_code, r.json()["code"]) == (409, "interest_year_not_closed")
        r = await finished(
            client,
            await client.post("/v1/enrollment/interest-runs", headers=finance, json={"year": 2015}),
        )
        assert (r.status_code, r.json()["code"]) == (409, "interest_rate_missing")
        r = await finished(
            client,
            await client.post(
                "/v1/enrollment/interest-runs",
                headers=auth_headers(platform, "auditor"),
                json={"year": 2020},
            ),
        )
        assert r.status_code == 403
        r = await client.post(
            "/v1/enrollment/parameters/interest-rates",
            headers=auth_headers(platform, "admin"),
            json={"year": 2020, "account_kind": "basic", "rate": 0.06},
        )
        assert r.status_code == 422
        rates = await client.get(
            "/v1/enrollment/parameters/interest-rates",
            params={"account_kind": "basic"},
            headers=finance,
        )
        assert {(x["year"], x["rate"]) for x in rates.json()["items"]} >= {
            (2020, "0.0604"),
            (2024, "0.0262"),
        }
        assert await scalar(platform, "SELECT count(*) FROM enrollment.interest_run") == 0


async def test_interest_runs_go_year_after_year(platform) -> None:
    """Interest compounds: after a first run, each run is the year after the last one."""
    async with running_app(create_app(platform)) as client:
        finance = auth_headers(platform, "finance")
        english = finance | {"Accept-Language": "en"}

        async def run(year: int, headers: dict[str, str] = finance) -> tuple[int, dict]:
            r = await finished(
                client,
                await client.post(
                    "/v1/enrollment/interest-runs",
                    headers=headers,
                    json={"year": year, "account_kind": "basic"},
                ),
            )
            return r.status_code, r.json()

        assert (await run(2018))[0] == 200  # the first run: the years before were taken over
        status, skipped = await run(2020)
        assert (status, skipped["code"]) == (409, "interest_run_out_of_order")
        assert (skipped["latest_year"], skipped["next_year"]) == (2018, 2019)
        assert "下一个应计 2019 年" in skipped["detail"]
        assert (await run(2019))[0] == 200
        assert (await run(2020))[0] == 200
        status, earlier = await run(2017, english)
        assert (status, earlier["code"], earlier["latest_year"]) == (
            409,
            "interest_run_out_of_order",
            2020,
        )
        assert earlier["detail"].startswith("Interest was run up to 2020")
        assert (await run(2019))[0] == 200  # asking again for a year run answers its figures
