"""Promotion: the primary is killed mid-way through receipts, the standby is promoted, the
services reach it without a restart, and every receipt is recorded exactly once.

The services are given both hosts with target_session_attrs=read-write (PENSION_DATABASE_URL)
and the standby for lists (PENSION_DATABASE_READ_URL); the standby is synchronous, so no
answered commit is lost with the primary (docs/operations.md, "PostgreSQL standby and
promotion").
"""

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from deploy.local.pg_standby import EmbeddedStandby, kill_primary, rejoin_as_standby, sql
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers, delete_stream, make_platform, running_app
from tests.contribution.helpers import register
from tests.infra import TestInfra
from tests.pg_pair import Pair, pg_pair
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

RECEIPTS = 40
WORKERS = 4
KILL_AFTER = 12  # receipts answered before the primary dies
PROMOTE_AFTER_SECONDS = 1.0  # the operator's (or operator software's) reaction time


async def test_promotion_loses_no_receipt_and_records_none_twice(
    tmp_path: Path, infra: TestInfra
) -> None:
    async with pg_pair(tmp_path / "pg", synchronous=True) as pair:
        primary, standby = pair.primary, pair.standby
        platform = make_platform(
            pair.url(primary.port, standby.port, attrs="read-write"),
            infra.nats_url,
            database_read_url=pair.url(standby.port),
        )
        try:
            # The apps stop before the servers do.
            async with (
                running_app(enrollment_app(platform)) as enrollment,
                running_app(contribution_app(platform)) as contribution,
            ):
                await _run(pair, platform, enrollment, contribution)
        finally:
            await delete_stream(platform)


async def _run(pair: Pair, platform, enrollment, contribution) -> None:
    primary, standby = pair.primary, pair.standby
    county = await register(
        enrollment, contribution, platform, {"县水利局": ("self", 1, "2019-01-01")}
    )
    unit = county.units["县水利局"]
    finance = auth_headers(platform, "finance")
    answers: dict[str, dict] = {}  # key -> the 201's body
    outcomes: list[tuple[float, int]] = []  # (when, status) of every attempt
    answered = asyncio.Event()
    promoted_at: list[float] = []
    health_while_down: list[tuple[int, str]] = []
    lists_while_down: list[int] = []  # lists read the standby, which lives on

    async def post(key: str, cents: int) -> None:
        body = {
            "unit_id": unit["id"],
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "received_on": "2020-03-02",
        }
        while True:  # the client retries with the same key until it has an answer
            try:
                r = await contribution.post(
                    "/v1/contribution/receipts",
                    headers=finance | {"Idempotency-Key": key},
                    json=body,
                )
                status = r.status_code
            except httpx.TransportError:
                status = 0
            outcomes.append((time.monotonic(), status))
            if status == 201:
                answers[key] = r.json()
                if len(answers) >= KILL_AFTER:
                    answered.set()
                return
            assert status == 503, r.text  # an outage is answered honestly, never a 500
            await asyncio.sleep(0.05)

    async def worker(n: int) -> None:
        for i in range(n, RECEIPTS, WORKERS):
            await post(f"failover-{i}", 10_000 + i)

    async def fault() -> None:
        await answered.wait()
        await asyncio.to_thread(kill_primary, primary)
        killed = time.monotonic()
        while time.monotonic() - killed < PROMOTE_AFTER_SECONDS:
            r = await contribution.get("/health")
            health_while_down.append((r.status_code, r.json().get("database", "")))
            r = await contribution.get(
                "/v1/contribution/receipts",
                params={"unit_id": unit["id"]},
                headers=auth_headers(platform, "auditor"),
            )
            lists_while_down.append(r.status_code)
            await asyncio.sleep(0.2)
        await asyncio.to_thread(standby.promote)
        promoted_at.append(time.monotonic())

    await asyncio.gather(fault(), *(worker(n) for n in range(WORKERS)))

    # Every receipt once, each as answered: none lost with the primary, none recorded twice.
    assert len(answers) == RECEIPTS
    r = await contribution.get(
        "/v1/contribution/receipts",
        params={"unit_id": unit["id"], "limit": 500},
        headers=auth_headers(platform, "auditor"),
    )
    assert r.status_code == 200, r.text
    recorded = {item["id"]: item["amount"] for item in r.json()["items"]}
    assert recorded == {a["id"]: a["amount"] for a in answers.values()}
    # A retry after the promotion replays the first answer.
    again = await contribution.post(
        "/v1/contribution/receipts",
        headers=finance | {"Idempotency-Key": "failover-0"},
        json={"unit_id": unit["id"], "amount": "100.00", "received_on": "2020-03-02"},
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == answers["failover-0"]["id"]

    # The promoted server is refused as a standby: `make up` would start two primaries.
    with pytest.raises(RuntimeError, match="was promoted"):
        EmbeddedStandby(standby.data_dir, standby.port, primary_port=primary.port).start()

    # The old primary, rewound, follows the new one and holds every receipt.
    old = await asyncio.to_thread(rejoin_as_standby, primary, standby)
    assert await asyncio.to_thread(old.is_standby)
    count = f"SELECT count(*) FROM contribution.receipt WHERE unit_id = '{unit['id']}'"

    async def old_has_all() -> bool:
        found = await asyncio.to_thread(sql, old.port, count, None, "pension")
        return found == str(RECEIPTS)

    await eventually(old_has_all)

    # Health was honest while no primary could be reached, and is ok after.
    assert health_while_down and all(s == 503 for s, _ in health_while_down), health_while_down
    assert lists_while_down and set(lists_while_down) == {200}, lists_while_down
    assert (await contribution.get("/health")).json()["database"] == "ok"
    assert (await enrollment.get("/health")).json()["database"] == "ok"

    # 503s only in the gap: after the first success past the promotion, none.
    failures = [t for t, s in outcomes if s != 201]
    assert failures, "the kill fell between requests: no request saw the outage"
    recovered = min(t for t, s in outcomes if s == 201 and t > promoted_at[0])
    assert all(t <= recovered for t in failures)
    gap = max(failures) - min(failures)
    print(
        f"\nfailover: {len(failures)} answers 503 over {gap:.2f} s (the first to the last, "
        f"{PROMOTE_AFTER_SECONDS:g} s of which the promotion waits); "
        f"first success {recovered - promoted_at[0]:.2f} s after pg_ctl promote returned"
    )
