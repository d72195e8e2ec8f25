"""Wall-clock figures of the worst-case parameters (issue #17 item 4): the slowest answer and
the longest wait of a light request while the slowest run together, per service.

The suite's tests/fuzz/test_worst_case_parameters.py asserts the same walk's cost in CPU
seconds; the wall time, which a loaded machine inflates, is measured here and printed.
"""

import asyncio
import time

import pytest

from shared.http.auth import ALL_ROLES
from tests.conftest import auth_headers
from tests.shared.integration.helpers import eventually
from tests.support.worst_case import FACTORIES, drained, requests_of, seed

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("service", list(FACTORIES))
async def test_worst_case_parameters_timing(service, platform, start_apps, bench_report) -> None:
    app = FACTORIES[service](platform)
    (client,) = await start_apps(app)
    ids = await seed(service, client, platform)
    every_role = auth_headers(platform, *sorted(ALL_ROLES), subject="worst-case")
    timings = []
    for url, params, _value, _allowed, _label in requests_of(app.openapi(), ids):
        started = time.perf_counter()
        answer = await client.get(url, params=params, headers=every_role)
        timings.append((time.perf_counter() - started, url, params))
        assert answer.status_code < 500, answer.text[:300]
    await eventually(lambda: drained(client))
    slow = sorted(timings, key=lambda t: t[0], reverse=True)[:5] * 3
    running = asyncio.gather(*(client.get(u, params=p, headers=every_role) for _, u, p in slow))
    longest_wait = 0.0
    while not running.done():
        started = time.perf_counter()
        assert (await client.get("/health/live")).status_code == 200
        longest_wait = max(longest_wait, time.perf_counter() - started)
        started = time.perf_counter()
        await asyncio.sleep(0.02)
        longest_wait = max(longest_wait, time.perf_counter() - started - 0.02)
    await running
    bench_report(
        f"worst-case parameters {service}",
        requests=len(timings),
        slowest_s=round(max(timings)[0], 3),
        longest_wait_under_load_s=round(longest_wait, 3),
    )
