"""A payout clerk finds a retiree as they type (issue #19 item 3): by the beginning of the
name with brackets of either width alike, by citizen id (clerks only), sorted as asked; and
opens one retiree's detail."""

import uuid

import pytest

from services.payout.main import create_app
from tests.conftest import auth_headers, running_app
from tests.payout.integration.helpers import retire, retirement

pytestmark = pytest.mark.asyncio(loop_scope="session")
RETIREES = "/v1/payout/retirees"


async def test_retirees_by_name_citizen_id_sort_and_detail(platform) -> None:
    async with running_app(create_app(platform)) as client:
        events = [
            retirement(11, name="王（小）明", retired_on="2025-01-15"),
            retirement(13, name="王五", retired_on="2025-03-15"),
            retirement(15, name="赵六", retired_on="2025-02-15"),
        ]
        for event in events:
            await retire(client, platform, event)
        clerk, finance = auth_headers(platform, "clerk"), auth_headers(platform, "finance")

        async def names(headers=clerk, **params) -> list[str]:
            r = await client.get(RETIREES, params=params, headers=headers)
            assert r.status_code == 200, r.text
            assert r.json()["total"] >= len(r.json()["items"])
            return [i["name"] for i in r.json()["items"]]

        assert sorted(await names(name="王")) == sorted(["王（小）明", "王五"])
        assert await names(name="王(小") == ["王（小）明"]  # half-width typed, full stored
        assert await names(name="明") == []  # a prefix, not a fragment
        assert await names(finance, sort="-retired_on") == ["王五", "赵六", "王（小）明"]
        assert await names(sort="retired_on", limit=1, offset=1) == ["赵六"]  # paged in order

        wanted = events[2].payload["citizen_id"]
        assert await names(citizen_id=wanted.lower()) == ["赵六"]
        r = await client.get(RETIREES, params={"citizen_id": wanted}, headers=finance)
        assert (r.status_code, r.json()["code"]) == (403, "citizen_id_search_forbidden")
        for params in ({"sort": "account_number"}, {"status": "alive"}):
            r = await client.get(RETIREES, params=params, headers=clerk)
            assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), params
        r = await client.get(RETIREES, params={"citizen": wanted}, headers=clerk)
        assert (r.status_code, r.json()["code"]) == (422, "unknown_query_parameter")
        assert r.json()["parameters"] == ["citizen"]

        # The detail: full for a clerk, masked for finance; 404 for nobody.
        person = events[2].aggregate_id
        detail = (await client.get(f"{RETIREES}/{person}", headers=clerk)).json()
        assert (detail["name"], detail["citizen_id"], detail["status"]) == (
            "赵六",
            wanted,
            "active",
        )
        assert detail["birth_date"] == "1960-03-15" and detail["retired_on"] == "2025-02-15"
        assert detail["account_name"] == "退休15" and detail["died_on"] is None
        masked = (await client.get(f"{RETIREES}/{person}", headers=finance)).json()
        assert masked["citizen_id"] != wanted and masked["birth_date"] == "1960-**-**"
        assert masked["account_number"].startswith("****")
        r = await client.get(f"{RETIREES}/{uuid.uuid4()}", headers=clerk)
        assert (r.status_code, r.json()["code"]) == (404, "retiree_not_found")
