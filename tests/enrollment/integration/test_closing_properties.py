"""For random sequences of contributions, late settlements, interest runs and closings, the
money that entered a person's accounts equals the money that left plus what remains, to the
fen, and no posting ever lands in a closed account (issue #10, property tests)."""

import random
from datetime import date
from decimal import Decimal

import pytest

from services.enrollment.main import create_app
from shared.data.money import round_fen
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import (
    acked,
    credits,
    enrol,
    publish,
    register_unit,
    scalar,
    withdraw_approved,
)
from tests.job_wait import finished
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
PEOPLE = 8
ELSEWHERE = {"area_code": "110105", "agency_name": "北京市朝阳区社保中心", "scheme": "institution"}
PAYEE = {"bank_code": "PSBC", "account_number": "6221880012345678", "account_name": "本人"}
KINDS = ("basic", "annuity_notional", "annuity_funded")


def _line(rng: random.Random, person: str) -> tuple[str, ...]:
    basic = Decimal(rng.randrange(5_000, 45_000)) / 50  # whole fen, halves too
    return (person, str(basic), str(round_fen(basic / 2)), str(basic), str(basic * 12))


async def _sum(platform, sql: str) -> Decimal:
    return Decimal(await scalar(platform, f"SELECT coalesce(sum(x), 0) FROM ({sql}) s(x)"))


async def test_money_in_equals_money_out_plus_remaining_and_closed_accounts_stay_closed(
    platform,
) -> None:
    async with running_app(create_app(platform)) as client:
        clerk, finance = auth_headers(platform, "clerk"), auth_headers(platform, "finance")
        unit = await register_unit(client, platform)
        people = await enrol(client, platform, unit, PEOPLE)
        rngs = {p: random.Random(seed) for seed, p in enumerate(people)}
        sent = dict.fromkeys(people, Decimal(0))
        published = 0

        async def pay(period: str, on: date, who: list[str]) -> None:
            nonlocal published
            lines = [_line(rngs[p], p) for p in who]
            for line in lines:
                sent[line[0]] += sum(Decimal(x) for x in line[1:4])
            await publish(platform, credits(unit["id"], period, on, lines))
            published += 1

        for m in range(1, 13):
            await pay(
                f"2019-{m:02d}", date(2019, m, 20), [p for p in people if rngs[p].random() < 0.7]
            )
        for m in range(1, 7):
            await pay(
                f"2020-{m:02d}", date(2020, m, 20), [p for p in people if rngs[p].random() < 0.8]
            )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", published))
        r = await finished(
            client,
            await client.post("/v1/enrollment/interest-runs", headers=finance, json={"year": 2019}),
        )
        assert r.status_code == 200, r.text

        left = dict.fromkeys(people, Decimal(0))
        closed = []
        for p in people:
            rng = rngs[p]
            if rng.random() < 0.35:
                continue
            on = date(2020, rng.randrange(3, 10), 15).isoformat()
            if rng.random() < 0.5:
                body = {"effective_on": on, "same_pooling_area": False, "destination": ELSEWHERE}
                r = await client.post(
                    f"/v1/enrollment/persons/{p}/transfer-out", headers=clerk, json=body
                )
                assert r.status_code == 201, r.text
                out = r.json()
            else:
                body = {
                    "reason": "settled_abroad",
                    "effective_on": on,
                    "evidence": "定居证明",
                    "payee": PAYEE,
                }
                r = await withdraw_approved(client, platform, p, body)
                assert r.status_code == 200, r.text  # approved by a second clerk
                out = r.json()["result"]
            left[p] = sum(Decimal(out[f"{k}_amount"]) for k in KINDS)
            closed.append(p)

        # Late money: months before the closings, and a 2019 month value-dated into a run year.
        for m in range(3, 10):
            await pay(
                f"2020-{m:02d}", date(2020, 10, 20), [p for p in people if rngs[p].random() < 0.5]
            )
        await pay("2019-12", date(2019, 12, 1), [p for p in people if rngs[p].random() < 0.5])
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", published))
        r = await finished(
            client,
            await client.post("/v1/enrollment/interest-runs", headers=finance, json={"year": 2020}),
        )
        assert r.status_code == 200, r.text

        assert closed and len(closed) < PEOPLE  # the seeds give both kinds of person
        for p in people:
            postings = (
                "SELECT p.amount FROM enrollment.posting p JOIN enrollment.account a "
                f"ON a.id = p.account_id WHERE a.person_id = '{p}'"
            )
            interest = await _sum(
                platform,
                postings + " AND p.posting_type IN "
                "('interest', 'closing_interest', 'interest_correction')",
            )
            followed = await _sum(
                platform,
                "SELECT basic_amount + annuity_notional_amount + annuity_funded_amount "
                f"FROM enrollment.closing_supplement WHERE person_id = '{p}'",
            )
            remaining = await _sum(platform, postings)
            assert sent[p] + interest == left[p] + followed + remaining, p
            if p in closed:
                assert remaining == 0
                stray = await scalar(
                    platform,
                    "SELECT count(*) FROM enrollment.posting p JOIN enrollment.account a "
                    "ON a.id = p.account_id JOIN enrollment.account_closing c "
                    "ON c.person_id = a.person_id AND c.reopened_on IS NULL "
                    f"WHERE a.person_id = '{p}' AND p.id > c.last_posting_id",
                )
                assert stray == 0
            else:
                assert followed == 0
