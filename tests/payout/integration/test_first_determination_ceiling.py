"""Issue #18: the initial determination meets the monthly ceiling before it is made, like a
re-determination and the 复核 (an implausible figure from enrollment is listed for a clerk)."""

from decimal import Decimal

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import key, publish, retirement
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_initial_determination_above_the_ceiling_is_listed_not_made(platform) -> None:
    async with running_app(create_app(platform)) as client:
        # 9,000,000.00 / 101 months (age 65) = 89,108.91 a month, above the 50,000.00 ceiling.
        event = retirement(31, basic_balance=Decimal("9000000.00"))
        person = event.aggregate_id
        await publish(platform, event)
        clerk = auth_headers(platform, "clerk", subject="clerk-a")
        waiting: list[dict] = []

        async def listed() -> bool:
            r = await client.get("/v1/payout/undetermined-retirements", headers=clerk)
            waiting[:] = [i for i in r.json()["items"] if i["person_id"] == person]
            return bool(waiting)

        await eventually(listed)
        [item] = waiting
        assert item["reason_code"] == "amount_above_bound"
        assert "monthly_amount" in item["detail"] and "50000.00" in item["detail"]
        assert item["reason_label"] == "核定月额超过合理上限 (参数 amount_bounds)"
        count = f"SELECT count(*) FROM payout.determination WHERE person_id = '{person}'"
        assert await scalar(platform, count) == 0
        assert await scalar(platform, "SELECT count(*) FROM payout.dead_letter") == 0
        # The clerk's retry is refused the same way, and makes nothing.
        url = f"/v1/payout/retirees/{person}/initial-determination"
        r = await client.post(url, headers=clerk | key(), json={})
        assert (r.status_code, r.json()["code"]) == (422, "amount_above_bound")
        assert (r.json()["field"], r.json()["bound"]) == ("monthly_amount", "50000.00")
        assert await scalar(platform, count) == 0
