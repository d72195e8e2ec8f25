"""Withdrawal (退保) only where the rules allow; the balances leave the accounts."""

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
    publish,
    record_death,
    register_unit,
    scalar,
    withdraw_approved,
)
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
PAYEE = {"bank_code": "PSBC", "account_number": "6221880099990000", "account_name": "继承人"}


async def person(client, platform, unit, birth: str, seq: str) -> str:
    r = await client.post(
        "/v1/enrollment/persons",
        headers=auth_headers(platform, "clerk"),
        json={
            "citizen_id": citizen_id(birth=birth, seq=seq),
            "name": "某人",
            "unit_id": unit["id"],
            "staff_category": "worker",
            "joined_on": "2015-01-01",
        },
    )
    return r.json()["id"]


async def withdraw(client, platform, who: str, reason: str, on: str = "2020-06-30"):
    """Requested by one clerk, approved by another: the approval (or the refusal on entry)."""
    body = {"reason": reason, "effective_on": on, "evidence": "证明材料", "payee": PAYEE}
    return await withdraw_approved(client, platform, who, body)


async def test_allowed_cases_pay_out_the_balances(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        young = await person(client, platform, unit, "19800101", "121")
        old = await person(client, platform, unit, "19550101", "131")  # a man of 65 in 2020
        abroad = await person(client, platform, unit, "19850101", "141")
        await publish(
            platform,
            credits(
                unit["id"],
                "2019-05",
                date(2019, 5, 20),
                [
                    (young, "800.00", "400.00", "800.00"),
                    (old, "700.00", "350.00", "0.00"),
                    (abroad, "100.00", "50.00", "0.00"),
                ],
            ),
        )
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 1))

        not_dead = await withdraw(client, platform, young, "death")
        assert (not_dead.status_code, not_dead.json()["code"]) == (409, "withdrawal_not_allowed")
        too_young = await withdraw(client, platform, young, "lump_sum_at_retirement_age")
        assert too_young.json()["code"] == "withdrawal_not_allowed"
        invented = await withdraw(client, platform, young, "bored")
        assert invented.status_code == 422

        await record_death(client, platform, young, "2020-05-01")
        heirs = await withdraw(client, platform, young, "death")
        assert heirs.status_code == 200, heirs.text
        assert (heirs.json()["status"], heirs.json()["payee"]["account_name"]) == (
            "approved",
            "继承人",
        )
        paid = heirs.json()["result"]
        # 800.00 with its interest to the closing date: 2019 at 7.61% for 7 months (35.51),
        # 2020 at 6.04% through June (25.23); the annuity series have no rates here.
        assert (paid["basic_amount"], paid["total_amount"]) == ("860.74", "2060.74")
        assert paid["closing_interest"] == "60.74"
        assert set((await balances(client, platform, young, "2020-12-31")).values()) == {"0.00"}

        lump = await withdraw(client, platform, old, "lump_sum_at_retirement_age")
        # 700.00 + 31.07 (2019) + 22.08 (2020 through June) + 350.00 funded annuity.
        assert (lump.status_code, lump.json()["result"]["total_amount"]) == (200, "1103.15")
        moved = await withdraw(client, platform, abroad, "settled_abroad")
        assert moved.status_code == 200
        again = await withdraw(client, platform, abroad, "settled_abroad")
        assert again.json()["code"] == "withdrawal_not_allowed"

        kinds = await scalar(
            platform,
            "SELECT string_agg(DISTINCT posting_type, ',') FROM "
            "enrollment.posting WHERE amount < 0",
        )
        assert kinds == "inheritance,refund"
        event = json.loads(
            await scalar(
                platform,
                "SELECT envelope::text FROM enrollment.outbox WHERE envelope->>'type' = "
                "'enrollment.person.withdrawn' ORDER BY id LIMIT 1",
            )
        )
        assert (event["payload"]["reason"], event["payload"]["payee_name"]) == ("death", "继承人")
        status = await client.get(
            f"/v1/enrollment/persons/{young}", headers=auth_headers(platform, "clerk")
        )
        assert status.json()["status"] == "withdrawn"
