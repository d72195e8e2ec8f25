"""A closing preview is bounded (issue #17 item 4): `on=9999-12-31` took 16-20 s on the
event loop; now a date past the closing horizon is a 422, and one at the horizon is cheap."""

from datetime import date

import pytest

from services.enrollment.main import create_app
from shared.data.clock import agency_today
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import acked, credits, enrol, publish, register_unit, set_parameter
from tests.shared.integration.helpers import eventually
from tests.support.cpu_budget import CpuMeter

pytestmark = pytest.mark.asyncio(loop_scope="session")
MONTH = ("480.00", "240.00", "480.00", "6000.00")


async def test_a_closing_date_past_the_horizon_is_refused_and_one_at_it_is_cheap(platform):
    async with running_app(create_app(platform)) as client:
        auditor = auth_headers(platform, "auditor")
        unit = await register_unit(client, platform)
        [person] = await enrol(client, platform, unit, 1, joined_on="2020-01-01")
        for m in range(1, 13):
            lines = [(person, *MONTH)]
            await publish(platform, credits(unit["id"], f"2020-{m:02d}", date(2020, m, 20), lines))
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 12))
        path = f"/v1/enrollment/persons/{person}/closing-preview"

        r = await client.get(path, params={"on": "9999-12-31"}, headers=auditor)
        assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
        horizon = date(agency_today().year + 50, 12, 31)
        beyond = date(horizon.year + 1, 1, 1)
        r = await client.get(path, params={"on": beyond.isoformat()}, headers=auditor)
        assert (r.status_code, r.json()["code"]) == (422, "closing_date_out_of_range")
        assert r.json()["latest"] == horizon.isoformat()
        r = await client.get(path, params={"on": "1949-12-31"}, headers=auditor)
        assert r.json()["code"] == "closing_date_out_of_range"

        # CPU seconds (the app's and its database's), not wall time: a loaded machine
        # stretches the one, the code the other.
        async with CpuMeter(platform.database_url) as meter:
            started = await meter.reading()
            r = await client.get(path, params={"on": horizon.isoformat()}, headers=auditor)
            assert r.status_code == 200, r.text
            assert await meter.since(started) < 1.0
        basic = [i for i in r.json()["interest"] if i["account_kind"] == "basic"]
        assert [i["year"] for i in basic] == list(range(2020, horizon.year + 1))

        # The horizon is a dated limit: a shorter one refuses what the default allowed.
        shorter = {"name": "closing_horizon_years", "effective_from": "2000-01-01", "value": "5"}
        await set_parameter(client, platform, "limits", shorter)
        r = await client.get(path, params={"on": horizon.isoformat()}, headers=auditor)
        assert r.json()["latest"] == date(agency_today().year + 5, 12, 31).isoformat()
