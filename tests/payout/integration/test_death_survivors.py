"""Survivors (issue #18, item 14): each survivor's citizen id is checked like any id, and
several survivors share the death benefits and the inheritable balances in stated shares,
each to their own account, the whole grant approved by a second person."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import approve, key, retire, retirement, review, run_payroll
from tests.support.payout_deaths import dies, post

pytestmark = pytest.mark.asyncio(loop_scope="session")


def survivor(name: str, citizen_id: str, account: str, share: str) -> dict:
    return {
        "survivor_name": name,
        "survivor_citizen_id": citizen_id,
        "relationship": "子女",
        "bank_code": "PSBC",
        "account_number": account,
        "share": share,
    }


THREE = [
    survivor("钱大", "330522198501011233", "6221889900001111", "1/2"),
    survivor("钱二", "330522196001010016", "6221889900002222", "1/3"),
    survivor("钱三", "330522199001010028", "6221889900003333", "1/6"),
]


async def request(client, platform, person: str, body: dict):
    return await client.post(
        f"/v1/payout/retirees/{person}/death-benefits",
        headers=auth_headers(platform, "finance") | key(),
        json=body,
    )


async def test_survivors_share_the_benefits_to_the_fen_each_to_their_account(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(186)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        await dies(platform, retired, date(2025, 6, 10))

        r = await request(client, platform, person, {"survivors": THREE})
        assert r.status_code == 201, r.text
        granted = r.json()
        # 5000 + 20 × 4792.71 + (101000 − 3 × 1000) + (50500 − 3 × 500) = 247854.20, split
        # 1/2, 1/3, 1/6: 123927.10, 82618.06|67, 41309.03|33 rounded down, and the fen left
        # over goes to the largest remainder (the 1/3 share).
        assert granted["total"] == "247854.20"
        assert [(s["survivor_name"], s["share"], s["amount"]) for s in granted["shares"]] == [
            ("钱大", "1/2", "123927.10"),
            ("钱二", "1/3", "82618.07"),
            ("钱三", "1/6", "41309.03"),
        ]
        assert sum(Decimal(s["amount"]) for s in granted["shares"]) == Decimal("247854.20")
        # Nothing is paid before a second person approves the whole grant.
        assert (await run_payroll(client, platform, "2025-07"))["payments"] == 0
        await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/approve")
        assert (await run_payroll(client, platform, "2025-08"))["payments"] == 3
        paid = await scalar(
            platform,
            "SELECT string_agg(person_number || ' ' || account_number || ' ' || amount, '|' "
            "ORDER BY account_number) FROM payout.payment "
            f"WHERE person_id = '{person}' AND program = 'death_benefit'",
        )
        assert paid.split("|") == [
            "330522198501011233 6221889900001111 123927.10",
            "330522196001010016 6221889900002222 82618.07",
            "330522199001010028 6221889900003333 41309.03",
        ]

        # Back pay found after the grant is split by the same shares, to the same accounts.
        corrected = await post(
            client,
            platform,
            f"/v1/payout/determinations/{first['id']}/corrections",
            {"effective_from": "2025-06-01", "average_index": "1.2000", "reason": "指数更正"},
        )
        await review(client, platform, corrected["id"])
        delta = Decimal(corrected["monthly_amount"]) - Decimal(first["monthly_amount"])
        shown = (
            await client.get(
                f"/v1/payout/retirees/{person}/death-benefits",
                headers=auth_headers(platform, "finance"),
            )
        ).json()
        assert sum(Decimal(a["amount"]) for a in shown["additions"]) == delta
        assert len(shown["additions"]) == 3
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        [asked] = [e for e in log if e["action"] == "death_benefit.requested"]
        assert [s["account_number"][-4:] for s in asked["detail"]["shares"]] == [
            "1111",
            "2222",
            "3333",
        ]
        assert "6221889900002222" not in str(asked["detail"])  # masked in the log


async def test_survivor_ids_and_shares_are_checked(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(187)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await dies(platform, retired, date(2025, 5, 10))

        def with_id(citizen_id: str) -> dict:
            return {"survivors": [THREE[0] | {"survivor_citizen_id": citizen_id, "share": "1"}]}

        for bad in ("330522198501011234", "330522203001010019", "33052219850101123X"):
            r = await request(client, platform, person, with_id(bad))
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["code"] == "validation_failed"
            assert "survivor_citizen_id" in r.json()["errors"][0]["field"]
        # The single-survivor form is checked the same way.
        single = {k: v for k, v in THREE[0].items() if k != "share"}
        r = await request(client, platform, person, single | {"survivor_citizen_id": "1"})
        assert r.status_code == 422
        cases = [
            ([THREE[0] | {"share": "1/2"}, THREE[1] | {"share": "0.4"}], "shares_not_whole"),
            ([THREE[0] | {"share": "1/2"}, THREE[1] | {"share": "0.6"}], "shares_not_whole"),
            ([THREE[0] | {"share": "0"}, THREE[1] | {"share": "1"}], "shares_not_whole"),
            ([THREE[0] | {"share": "1/2"}, THREE[0] | {"share": "1/2"}], "survivor_repeated"),
            (
                [THREE[0] | {"share": "1", "survivor_citizen_id": retired.payload["citizen_id"]}],
                "survivor_is_deceased",
            ),
        ]
        for survivors, code in cases:
            r = await request(client, platform, person, {"survivors": survivors})
            assert (r.status_code, r.json()["code"]) == (422, code), r.text
        assert await scalar(platform, "SELECT count(*) FROM payout.death_benefit") == 0
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
        # The single-survivor form still works: the whole to one survivor.
        r = await request(client, platform, person, single)
        assert r.status_code == 201, r.text
        assert [s["share"] for s in r.json()["shares"]] == ["1"]


async def test_a_rejected_shared_grant_removes_every_share(platform) -> None:
    async with running_app(create_app(platform)) as client:
        retired = retirement(188)
        [first] = await retire(client, platform, retired)
        person = first["person_id"]
        await review(client, platform, first["id"])
        await dies(platform, retired, date(2025, 5, 10))
        r = await request(client, platform, person, {"survivors": THREE})
        assert r.status_code == 201, r.text
        await approve(client, platform, f"/v1/payout/retirees/{person}/death-benefits/reject")
        assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == 0
        assert await scalar(platform, "SELECT count(*) FROM payout.death_benefit_share") == 0
        log = (
            await client.get("/v1/payout/audit-log", headers=auth_headers(platform, "auditor"))
        ).json()["items"]
        [rejected] = [e for e in log if e["action"] == "death_benefit.rejected"]
        assert [s["survivor_name"] for s in rejected["detail"]["shares"]] == [
            "钱大",
            "钱二",
            "钱三",
        ]
        again = await request(client, platform, person, {"survivors": [THREE[0] | {"share": "1"}]})
        assert again.status_code == 201, again.text
        assert again.json()["total"] == r.json()["total"]
