"""The outbound push of the change feeds: a real HTTP receiver on loopback gets every change,
signed, in order, none skipped, through 500s, timeouts and a restart of the service."""

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from prometheus_client import REGISTRY

from services.contribution.main import create_app as create_contribution
from services.enrollment.feeds import FEEDS
from services.enrollment.main import create_app
from services.payout.main import create_app as create_payout
from shared.data.db import asyncpg_dsn
from shared.http.change_push import ChangePusher
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import enrol, register_unit
from tests.support.change_feeds import register
from tests.support.change_push import SECRET, Receiver, serving

pytestmark = pytest.mark.asyncio(loop_scope="session")
STATUS = "/v1/enrollment/sync-push"


def push_settings(platform, url: str, secret: str = SECRET):
    return platform.model_copy(
        update={
            "province_push_url": url,
            "province_push_secret": secret,
            "province_push_batch_size": 5,
            "province_push_poll_seconds": 0.1,
            "province_push_timeout_seconds": 0.5,
            "province_push_max_backoff_seconds": 1.0,
        }
    )


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 20.0) -> None:
    """Wait until the check holds (or fail after `seconds`)."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"schema": "enrollment"})


async def test_every_change_arrives_once_in_order_through_500s_timeouts_and_a_restart(
    platform,
) -> None:
    receiver = Receiver(SECRET)
    async with serving(receiver) as url:
        settings = push_settings(platform, url)
        admin = auth_headers(settings, "admin")
        app = create_app(settings)
        async with running_app(app) as client:

            async def status() -> dict:
                r = await client.get(STATUS, headers=admin)
                assert r.status_code == 200, r.text
                return r.json()

            async def caught_up() -> bool:
                s = await status()
                return s["head_seq"] > 0 and s["lag_changes"] == 0

            unit = await register_unit(client, settings)
            await enrol(client, settings, unit, 3)
            await app.state.change_sequencer.drain()
            await until(caught_up)
            first = await status()
            assert receiver.arrivals == list(range(1, first["head_seq"] + 1))
            assert first["endpoint"] == url.split("/")[2] and first["configured"] is True
            assert first["attempts"] == 0 and first["last_error"] is None
            assert {c["domain"] for c in receiver.applied.values()} >= {"persons", "units"}
            person = next(c for c in receiver.applied.values() if c["entity"] == "person")
            assert "aac002" in person["record"] and "name_key" not in person["record"]

            # The province answers 500: nothing moves, the same range is tried with backoff.
            receiver.mode = "fail"
            for seq in range(600, 603):
                await register(client, settings, unit, seq)

            async def failing_a_while() -> bool:
                return sum(p[0] == "fail" for p in receiver.posts) >= 3

            await until(failing_a_while)
            down = await status()
            assert down["last_seq"] == first["head_seq"] and down["lag_changes"] > 0
            assert down["attempts"] >= 3 and down["last_error"].startswith("HTTP 500")
            assert down["lag_seconds"] > 0
            assert gauge("province_push_lag_changes") == down["lag_changes"]
            failed = [(a, b) for mode, a, b in receiver.posts if mode == "fail"]
            assert len(set(failed)) == 1 and failed[0][0] == first["head_seq"] + 1
            times = receiver.attempt_times
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert min(gaps[-2:]) >= 0.4, gaps  # backed off, not polled

            # It times out after applying: the batch comes again and is deduped.
            receiver.mode = "hang"

            async def timed_out() -> bool:
                return "timeout" in ((await status())["last_error"] or "")

            await until(timed_out)
        # The service stops while the province hangs, and starts again with it answering.
        receiver.mode = "ok"
        app = create_app(settings)
        async with running_app(app) as client:
            await register(client, settings, unit, 700)
            await app.state.change_sequencer.drain()
            await until(caught_up)
            final = await status()
            assert receiver.arrivals == list(range(1, final["head_seq"] + 1))
            assert receiver.duplicates >= 1
            assert final["attempts"] == 0 and final["last_error"] is None
            assert final["last_delivered_at"] is not None
            assert gauge("province_push_lag_changes") == 0
            assert gauge("province_push_lag_seconds") == 0


async def test_a_receiver_with_another_secret_refuses_and_nothing_advances(platform) -> None:
    receiver = Receiver("a-different-secret-than-the-service-signs-with")
    async with serving(receiver) as url:
        settings = push_settings(platform, url)
        app = create_app(settings)
        async with running_app(app) as client:
            await register_unit(client, settings)

            async def refused_twice() -> bool:
                return receiver.refused >= 2

            await until(refused_twice)
            r = await client.get(STATUS, headers=auth_headers(settings, "admin"))
            body = r.json()
            assert body["last_seq"] == 0 and body["last_error"].startswith("HTTP 401")
            assert receiver.applied == {}
            # Only operators see it; the province itself does not.
            r = await client.get(STATUS, headers=auth_headers(settings, "province"))
            assert r.status_code == 403


async def test_two_replicas_push_each_change_once(platform) -> None:
    """A second pusher (another replica) takes turns under the advisory lock: no change is
    posted twice while the province answers."""
    receiver = Receiver(SECRET)
    async with serving(receiver) as url:
        settings = push_settings(platform, url)
        app = create_app(settings)
        pool = await asyncpg.create_pool(asyncpg_dsn(settings.database_url), min_size=1, max_size=2)
        other = ChangePusher.from_settings(pool, "enrollment", FEEDS, settings)
        task = asyncio.create_task(other.run())
        try:
            async with running_app(app) as client:
                unit = await register_unit(client, settings)
                await enrol(client, settings, unit, 4)
                await app.state.change_sequencer.drain()

                async def caught_up() -> bool:
                    s = await app.state.change_pusher.status()
                    return s.head_seq > 0 and s.lag_changes == 0

                await until(caught_up)
                head = (await app.state.change_pusher.status()).head_seq
                assert receiver.arrivals == list(range(1, head + 1))
                assert receiver.duplicates == 0
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await pool.close()


async def test_without_a_url_nothing_is_pushed_and_the_status_says_so(platform) -> None:
    app = create_app(platform)
    async with running_app(app) as client:
        await register_unit(client, platform)
        await app.state.change_sequencer.drain()
        assert not hasattr(app.state, "change_pusher")
        r = await client.get(STATUS, headers=auth_headers(platform, "admin"))
        body = r.json()
        assert body["configured"] is False and body["endpoint"] is None
        assert body["last_seq"] == 0 and body["lag_changes"] == body["head_seq"] > 0


@pytest.mark.parametrize(
    ("service", "domain", "entity"),
    [("contribution", "contributions", "receipt"), ("payout", "determinations", "retiree")],
)
async def test_the_other_services_push_their_own_stream(
    platform, service: str, domain: str, entity: str
) -> None:
    receiver = Receiver(SECRET)
    factory = {"contribution": create_contribution, "payout": create_payout}[service]
    async with serving(receiver) as url:
        settings = push_settings(platform, url)
        app = factory(settings)
        admin = auth_headers(settings, "admin")
        async with running_app(app) as client:
            # A logged change as the trigger writes it (its table's own rules aside).
            await app.state.read_pool.execute(
                f"INSERT INTO {service}.change_log (domain, entity, entity_id, operation, data) "
                "VALUES ($1, $2, 'k1', 'insert', '{\"unit_id\": \"u1\", \"amount\": 12.50}')",
                domain,
                entity,
            )
            await app.state.change_sequencer.drain()

            async def caught_up() -> bool:
                s = (await client.get(f"/v1/{service}/sync-push", headers=admin)).json()
                return s["head_seq"] > 0 and s["lag_changes"] == 0

            await until(caught_up)
            sent = [c for (src, _), c in receiver.applied.items() if src == service]
            assert sent and sent[-1]["domain"] == domain and sent[-1]["entity"] == entity
            assert sent[-1]["key"] == "k1" and str(sent[-1]["record"]["amount"]) == "12.50"
