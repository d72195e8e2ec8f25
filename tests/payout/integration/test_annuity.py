"""The annuity stops when its balance is exhausted; the last payment is the remainder."""

from datetime import date

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import retire, retirement, review, run_payroll

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_annuity_stops_at_the_balance_with_the_remainder_last(platform) -> None:
    async with running_app(create_app(platform)) as client:
        # Aged 70: 56 months (计发月数); the annuity balance is 30300.00 + 20200.00.
        [first] = await retire(
            client, platform, retirement(51, retired_on=date(2019, 6, 30), age_months=70 * 12)
        )
        r = await client.post(
            f"/v1/payout/determinations/{first['id']}/old-method",
            headers=auth_headers(platform, "clerk"),
            json={"final_salary": "5200.00", "service_years": 36, "allowances": "150.00"},
        )
        assert r.status_code == 201, r.text
        determination = r.json()
        assert (determination["months_divisor"], determination["annuity_monthly"]) == (56, "901.79")
        await review(client, platform, determination["id"])
        # Sixty months from July 2019 in one run: 55 full months, the remainder, then nothing.
        await run_payroll(client, platform, "2024-06", within=60)
        person = first["person_id"]
        lines = await scalar(
            platform,
            "SELECT count(*) || ' ' || sum(amount) || ' ' || max(period) FROM payout.payment "
            f"WHERE person_id = '{person}' AND program = 'occupational_annuity'",
        )
        assert lines == "56 50500.00 2024-02-01"
        last = await scalar(
            platform,
            "SELECT amount FROM payout.payment WHERE program = 'occupational_annuity' "
            f"AND person_id = '{person}' AND period = '2024-02-01'",
        )
        assert str(last) == "901.55"  # 50500.00 - 55 × 901.79
        basic = await scalar(
            platform,
            "SELECT count(*) FROM payout.payment WHERE program = 'basic_pension' "
            f"AND person_id = '{person}'",
        )
        assert basic == 60  # the basic pension goes on for life
