"""Death notices from the provincial platform."""

import pytest

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, enrol, register_unit, scalar

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_each_notice_is_recorded_once_with_a_result(platform) -> None:
    async with running_app(create_app(platform)) as client:
        unit = await register_unit(client, platform)
        [a, b] = await enrol(client, platform, unit, 2)
        clerk = auth_headers(platform, "clerk")
        ids = [
            (await client.get(f"/v1/enrollment/persons/{p}", headers=clerk)).json()["citizen_id"]
            for p in (a, b)
        ]
        batch = {
            "notices": [
                {"notice_id": "P-1", "citizen_id": ids[0], "date_of_death": "2020-07-01"},
                {
                    "notice_id": "P-2",
                    "citizen_id": citizen_id(seq="999"),
                    "date_of_death": "2020-07-01",
                },
                {"notice_id": "P-3", "citizen_id": ids[1], "date_of_death": "2010-01-01"},
                {
                    "notice_id": "P-4",
                    "citizen_id": "330522198003151230",
                    "date_of_death": "2020-07-01",
                },
            ]
        }
        province = auth_headers(platform, "province", subject="province")
        r = await client.post("/v1/enrollment/sync/death-notices", headers=province, json=batch)
        assert r.status_code == 200, r.text
        assert [x["result"] for x in r.json()] == [
            "recorded",
            "unknown_person",
            "rejected",
            "rejected",
        ]
        assert "********" in r.json()[0]["citizen_id"]
        again = await client.post("/v1/enrollment/sync/death-notices", headers=province, json=batch)
        assert again.json()[0]["result"] == "already_recorded"
        assert (
            await scalar(
                platform,
                "SELECT count(*) FROM enrollment.outbox "
                "WHERE envelope->>'type' = 'enrollment.person.deceased'",
            )
            == 1
        )
        statuses = [
            (await client.get(f"/v1/enrollment/persons/{p}", headers=clerk)).json()["status"]
            for p in (a, b)
        ]
        assert statuses == ["deceased", "active"]  # the refused notice changed nothing
        refused = await client.post("/v1/enrollment/sync/death-notices", headers=clerk, json=batch)
        assert refused.status_code == 403
