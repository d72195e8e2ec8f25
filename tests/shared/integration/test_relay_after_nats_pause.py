"""The relay after a NATS pause (SIGSTOP): health says stalled, the backlog drains in order."""

import asyncio
import os
import signal
import time
from pathlib import Path

import nats
import pytest

from deploy.local.embedded import EmbeddedNats, free_port
from tests.conftest import delete_stream, make_platform
from tests.shared.integration.helpers import TEST_SCHEMA, eventually
from tests.support.outbox import Harness, _published, unit_event

pytestmark = pytest.mark.asyncio(loop_scope="session")
PAUSE_SECONDS = 10
BACKLOG = 1250  # two and a half batches of the harness's 500


async def _stream_order(url: str, stream: str, count: int) -> list[str]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        assert info.state.messages == count  # nothing doubled: resent events were deduplicated
        return [
            (await js.get_msg(stream, seq)).headers["Nats-Msg-Id"]
            for seq in range(info.state.first_seq, info.state.last_seq + 1)
        ]
    finally:
        await nc.close()


@pytest.mark.timeout(180)
async def test_the_relay_drains_in_order_within_seconds_of_a_nats_pause(
    tmp_path: Path, database_url: str
) -> None:
    own = EmbeddedNats(tmp_path / "nats", free_port())
    own.start()
    settings = make_platform(
        database_url,
        own.url,
        nats_ping_interval_seconds=1.0,
        relay_ack_timeout_seconds=2.0,
        relay_stale_seconds=5.0,
    )
    try:
        async with Harness(settings) as h:
            h.start(consumers=False)
            await h.stage([unit_event(0)])
            await eventually(lambda: _published(h, 1))
            assert own.process is not None
            os.kill(own.process.pid, signal.SIGSTOP)
            try:
                await h.stage([unit_event(i) for i in range(1, BACKLOG + 1)])
                await asyncio.sleep(PAUSE_SECONDS)
                pending, oldest = await h.relay.backlog()
                assert pending == BACKLOG and oldest > settings.relay_stale_seconds
            finally:
                os.kill(own.process.pid, signal.SIGCONT)
            resumed = time.monotonic()
            await eventually(lambda: _published(h, BACKLOG + 1), within=120)
            drained = time.monotonic() - resumed
            print(
                f"\nBENCH relay after a {PAUSE_SECONDS} s NATS pause: {BACKLOG} events "
                f"drained {drained:.1f} s after the resume"
            )
            assert drained < 20
            assert await h.relay.backlog() == (0, 0.0)
            expected = [
                str(r)
                for r in await h.pool.fetchval(
                    f"SELECT array_agg(event_id ORDER BY id) FROM {TEST_SCHEMA}.outbox"
                )
            ]
            assert await _stream_order(own.url, settings.stream_name, BACKLOG + 1) == expected
    finally:
        await delete_stream(settings)
        own.stop()
