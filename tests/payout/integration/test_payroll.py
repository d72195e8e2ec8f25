"""Monthly payroll: a run is a job; each retiree is paid once per program and period."""

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import retire, retirement, review, run_payroll

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_run_pays_each_reviewed_retiree_once_with_back_months(platform) -> None:
    async with running_app(create_app(platform)) as client:
        people = [(await retire(client, platform, retirement(n)))[0] for n in (11, 12, 13)]
        for first in people[:2]:
            await review(client, platform, first["id"])  # the third is not reviewed yet
        run = await run_payroll(client, platform, "2025-05")
        assert (run["state"], run["total"], run["done"]) == ("done", 2, 2)
        # April (the first month after retirement) and May, for two programs, two people.
        assert run["payments"] == 8
        again = await run_payroll(client, platform, "2025-05")
        assert (again["total"], again["payments"]) == (0, 0)
        await review(client, platform, people[2]["id"])
        june = await run_payroll(client, platform, "2025-06")
        assert (june["total"], june["payments"]) == (3, 2 * 2 + 3 * 2)
        rows = await scalar(
            platform,
            "SELECT count(*) FROM (SELECT person_id, program, period FROM payout.payment "
            "GROUP BY 1, 2, 3 HAVING count(*) > 1) twice",
        )
        assert rows == 0
        amount = await scalar(
            platform,
            "SELECT sum(amount) FROM payout.payment WHERE program = 'basic_pension' "
            f"AND person_id = '{people[0]['person_id']}'",
        )
        assert str(amount) == "14378.13"  # 3 months × 4792.71

        # The runs are a page, newest first, like every list.
        auditor = auth_headers(platform, "auditor")
        r = await client.get("/v1/payout/payroll-runs", headers=auditor, params={"limit": 2})
        page = r.json()
        assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
        assert [x["id"] for x in page["items"]] == [june["id"], again["id"]]
        r = await client.get(
            "/v1/payout/payroll-runs", headers=auditor, params={"limit": 2, "offset": 2}
        )
        assert [x["id"] for x in r.json()["items"]] == [run["id"]]
        r = await client.get(
            "/v1/payout/payroll-runs", headers=auditor, params={"period": "2025-05"}
        )
        assert (r.json()["total"], {x["period"] for x in r.json()["items"]}) == (2, {"2025-05"})
        r = await client.get("/v1/payout/payroll-runs", headers=auditor, params={"limit": 501})
        assert r.status_code == 422

        future = await client.post(
            "/v1/payout/payroll-runs",
            headers=auth_headers(platform, "finance"),
            json={"period": "2099-01"},
        )
        assert (future.status_code, future.json()["code"]) == (422, "period_in_future")
        bad = await client.post(
            "/v1/payout/payroll-runs",
            headers=auth_headers(platform, "finance"),
            json={"period": "2025-13"},
        )
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "period")
        # Runs go month after month: May after June is refused, naming the month expected.
        earlier = await client.post(
            "/v1/payout/payroll-runs",
            headers=auth_headers(platform, "finance", **{"Accept-Language": "en"}),
            json={"period": "2025-04"},
        )
        assert (earlier.status_code, earlier.json()["code"]) == (409, "payroll_run_out_of_order")
        assert earlier.json()["expected_period"] == "2025-07"
        assert "2025-07" in earlier.json()["detail"]


async def test_the_database_refuses_a_second_payment_for_a_period(platform) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(21))
        await review(client, platform, first["id"])
        await run_payroll(client, platform, "2025-04")
        with pytest.raises(Exception, match="payment_once"):
            await scalar(
                platform,
                "INSERT INTO payout.payment (id, person_id, program, period, amount, batch_id, "
                "person_number, bank_code, account_number, account_name, status) "
                "SELECT gen_random_uuid(), person_id, program, period, amount, batch_id, "
                "person_number, bank_code, account_number, account_name, 'sent' "
                "FROM payout.payment LIMIT 1 RETURNING 1",
            )
