"""The province's inbound checks in payout (issue #20 item 3): one batch of certifications,
its replay, and one batch of duplicate receipts (each holding a paid retiree), in process.

`PROVINCE_BENCH_ITEMS` (default 1,000; a batch holds up to 10,000) retirees are seeded
straight into the schema; figures in docs/province.md.
"""

import os
import time

import pytest

from services.payout.main import create_app
from shared.data.clock import agency_today
from shared.data.db import asyncpg_dsn
from tests.conftest import auth_headers, running_app
from tests.payout.seed import seed_retirees

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(1200)]
ITEMS = int(os.environ.get("PROVINCE_BENCH_ITEMS", "1000"))


def citizen(i: int) -> str:
    """The seeded retiree's citizen id (tests/payout/seed.py)."""
    return str(i).rjust(18, "0")


async def timed(client, path: str, headers: dict, items: list[dict]) -> tuple[float, dict]:
    started = time.perf_counter()
    r = await client.post(path, headers=headers, json={"items": items}, timeout=1200)
    assert r.status_code == 200, r.text[:500]
    return time.perf_counter() - started, r.json()


async def test_province_batches(platform, bench_report) -> None:
    await seed_retirees(asyncpg_dsn(platform.database_url), ITEMS)
    async with running_app(create_app(platform)) as client:
        province = auth_headers(platform, "province", subject="province")
        today = str(agency_today())
        certs = [
            {"message_id": f"c{i}", "citizen_id": citizen(i), "certified_on": today}
            for i in range(1, ITEMS + 1)
        ]
        first_s, first = await timed(client, "/v1/payout/sync/certifications", province, certs)
        assert first["applied"] == ITEMS
        replay_s, replay = await timed(client, "/v1/payout/sync/certifications", province, certs)
        assert replay["duplicate"] == ITEMS
        duplicates = [
            {
                "message_id": f"d{i}",
                "citizen_id": citizen(i),
                "other_area_code": "330100",
                "other_agency": "杭州市社会保险事业管理中心",
                "benefit_kind": "enterprise_pension",
                "drawing_since": "2024-01-01",
            }
            for i in range(1, ITEMS + 1)
        ]
        held_s, held = await timed(
            client, "/v1/payout/sync/duplicate-receipts", province, duplicates
        )
        assert held["queued"] == ITEMS
        bench_report(
            "payout_province_checks",
            items=ITEMS,
            certifications_s=round(first_s, 2),
            replay_s=round(replay_s, 2),
            duplicate_receipts_s=round(held_s, 2),
            certifications_per_s=round(ITEMS / first_s),
            duplicate_receipts_per_s=round(ITEMS / held_s),
        )
