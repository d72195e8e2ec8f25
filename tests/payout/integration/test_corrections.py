"""更正重算 before later 调待: each later 调待 is recomputed on the corrected base (reviewed
like any other, after the correction), and every paid month comes to the amount in force."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import retire, retirement, review, run_payroll
from tests.support.payout_differences import month_sums, post

pytestmark = pytest.mark.asyncio(loop_scope="session")


def fen(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), ROUND_HALF_UP)


async def determinations(client, platform, person: str) -> list[dict]:
    r = await client.get(
        f"/v1/payout/retirees/{person}/determinations", headers=auth_headers(platform, "auditor")
    )
    return r.json()["items"]


async def test_a_correction_before_later_adjustments_recomputes_each_of_them(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(44))
        person = first["person_id"]
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-06")  # April, May, June
        adjustments = f"/v1/payout/retirees/{person}/adjustments"
        a1 = await post(
            client,
            platform,
            adjustments,
            {"effective_from": "2025-05-01", "fixed_amount": "100.00", "rate": "0.02",
             "reason": "2025年调待"},
        )  # fmt: skip
        await review(client, platform, a1["id"])
        await run_payroll(client, platform, "2025-07")  # July, and May's and June's back pay
        a2 = await post(
            client,
            platform,
            adjustments,
            {"effective_from": "2025-07-01", "fixed_amount": "50.00", "reason": "补充调待"},
        )
        await review(client, platform, a2["id"])
        await run_payroll(client, platform, "2025-08")  # August, and July's back pay

        # The average index was wrong from the start.
        c = await post(
            client,
            platform,
            f"/v1/payout/determinations/{first['id']}/corrections",
            {"effective_from": "2025-04-01", "average_index": "1.2000", "reason": "指数更正"},
        )
        new = (await determinations(client, platform, person))[3:]
        assert [(d["seq"], d["kind"], d["effective_from"], d["status"]) for d in new] == [
            (4, "recalculation", "2025-04-01", "pending"),
            (5, "adjustment", "2025-05-01", "pending"),
            (6, "adjustment", "2025-07-01", "pending"),
        ]
        c, a1r, a2r = new
        assert (c["supersedes"], c["rebased_on"]) == (first["id"], None)
        assert (a1r["supersedes"], a1r["rebased_on"]) == (a1["id"], c["id"])
        assert (a2r["supersedes"], a2r["rebased_on"]) == (a2["id"], a1r["id"])
        assert a1r["terms"] == {"fixed_amount": "100.00", "rate": "0.02", "corrected": {}}
        assert a1r["reason"] == "随第 4 号更正重算: 2025年调待"
        corrected = Decimal(c["monthly_amount"])
        assert corrected > Decimal(first["monthly_amount"])
        # The 调待's fixed amount and rate on the corrected base, then the next on that.
        raised = Decimal("100.00") + fen(corrected * Decimal("0.02"))
        assert Decimal(a1r["adjustments"]) == raised
        assert Decimal(a1r["monthly_amount"]) == corrected + raised
        assert Decimal(a2r["monthly_amount"]) == corrected + raised + 50
        assert a1r["total"] == a2r["total"] == c["total"]

        # One change at a time: nothing else until these are reviewed.
        r = await client.post(
            adjustments,
            headers=auth_headers(platform, "clerk"),
            json={"effective_from": "2025-09-01", "fixed_amount": "10.00", "reason": "x"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "review_pending")
        r = await client.post(
            f"/v1/payout/determinations/{a2['id']}/corrections",
            headers=auth_headers(platform, "clerk"),
            json={"basic_balance": "1.00", "reason": "x"},
        )
        assert (r.status_code, r.json()["code"]) == (409, "review_pending")
        # A recomputed 调待 is approved only after the determination it was computed on.
        r = await client.post(
            f"/v1/payout/determinations/{a1r['id']}/check",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
        )
        assert r.status_code == 200
        r = await client.post(
            f"/v1/payout/determinations/{a1r['id']}/approve",
            headers=auth_headers(platform, "clerk", subject="clerk-b"),
        )
        assert (r.status_code, r.json()["code"]) == (409, "rebase_pending")
        await review(client, platform, c["id"])
        r = await client.post(
            f"/v1/payout/determinations/{a1r['id']}/approve",
            headers=auth_headers(platform, "clerk", subject="clerk-b"),
        )
        assert r.status_code == 200, r.text
        await review(client, platform, a2r["id"])

        await run_payroll(client, platform, "2025-09")  # September and all the back pay
        annuity = first["annuity_monthly"]
        expected = [("2025-04", corrected)] + [
            (m, corrected + raised) for m in ("2025-05", "2025-06")
        ] + [(m, corrected + raised + 50) for m in ("2025-07", "2025-08", "2025-09")]  # fmt: skip
        assert await month_sums(platform, person) == [
            line
            for month, basic in expected
            for line in (
                f"{month} basic_pension {basic}",
                f"{month} occupational_annuity {annuity}",
            )
        ]
        owed = await scalar(
            platform,
            "SELECT count(*) FROM payout.benefit_difference "
            f"WHERE person_id = '{person}' AND status = 'pending'",
        )
        assert owed == 0


async def test_returning_a_correction_returns_what_was_recomputed_on_it(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(45))
        person = first["person_id"]
        await review(client, platform, first["id"])
        a1 = await post(
            client,
            platform,
            f"/v1/payout/retirees/{person}/adjustments",
            {"effective_from": "2025-06-01", "fixed_amount": "100.00", "reason": "2025年调待"},
        )
        await review(client, platform, a1["id"])
        c = await post(
            client,
            platform,
            f"/v1/payout/determinations/{first['id']}/corrections",
            {"effective_from": "2025-04-01", "basic_balance": "90000.00", "reason": "余额更正"},
        )
        r = await client.post(
            f"/v1/payout/determinations/{c['id']}/return",
            headers=auth_headers(platform, "clerk", subject="clerk-a"),
            json={"remark": "余额依据不足"},
        )
        assert r.status_code == 200
        [*_, returned, recomputed] = await determinations(client, platform, person)
        assert (returned["id"], returned["status"]) == (c["id"], "returned")
        assert (recomputed["rebased_on"], recomputed["status"]) == (c["id"], "returned")
        remark = await scalar(
            platform,
            "SELECT detail->>'remark' FROM payout.audit_log WHERE action = "
            f"'determination.return' AND object_id = '{recomputed['id']}'",
        )
        assert remark == "随第 3 号核定退回"

        # Corrected from a month the 调待 is in force: the 调待 is corrected, its amount kept.
        c2 = await post(
            client,
            platform,
            f"/v1/payout/determinations/{first['id']}/corrections",
            {"effective_from": "2025-07-01", "basic_balance": "90000.00", "reason": "余额更正"},
        )
        assert (c2["supersedes"], c2["adjustments"]) == (a1["id"], "100.00")
        assert c2["terms"]["corrected"] == {"basic_balance": "90000.00"}
        assert len(await determinations(client, platform, person)) == 5  # nothing later
