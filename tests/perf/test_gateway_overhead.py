"""Gateway overhead: the same trivial authenticated GET direct to a service and through it."""

import json
import statistics

import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from shared.http.auth import issue_token
from tests.e2e.conftest import platform_env
from tests.perf.loadgen import LoadResult, run_load

pytestmark = pytest.mark.asyncio(loop_scope="session")
PATH = "/v1/enrollment/about"
ROUNDS = 5
SECONDS = 4.0


def summary(results: list[LoadResult]) -> tuple[float, float, float]:
    """Median over rounds of: median latency, p99 latency, throughput."""
    return (
        statistics.median(r.median_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        statistics.median(r.throughput for r in results),
    )


@pytest.mark.timeout(600)
async def test_gateway_overhead(platform, tmp_path, bench_report) -> None:
    ports = {"enrollment": free_port(), "gateway": free_port()}
    env = {
        **platform_env(platform),
        "PENSION_LOG_LEVEL": "WARNING",
        "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
        "PENSION_GATEWAY_RATE_LIMIT_BURST": "1000000",
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(
            {"enrollment": f"http://127.0.0.1:{ports['enrollment']}"}
        ),
    }
    apps = [start_app(name, port, env, tmp_path) for name, port in ports.items()]
    try:
        wait_healthy(apps)
        headers = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['clerk'])}"}
        for concurrency in (1, 4, 16):
            direct: list[LoadResult] = []
            via: list[LoadResult] = []
            for _ in range(ROUNDS):  # interleaved so drift hits both alike
                direct.append(
                    await run_load(
                        "127.0.0.1", ports["enrollment"], PATH, headers, concurrency, SECONDS
                    )
                )
                via.append(
                    await run_load(
                        "127.0.0.1", ports["gateway"], PATH, headers, concurrency, SECONDS
                    )
                )
            assert not any(r.errors for r in direct + via)
            d_med, d_p99, d_tput = summary(direct)
            g_med, g_p99, g_tput = summary(via)
            bench_report(
                f"gateway_overhead concurrency={concurrency}",
                direct_median_ms=round(d_med, 3),
                gateway_median_ms=round(g_med, 3),
                added_median_ms=round(g_med - d_med, 3),
                direct_p99_ms=round(d_p99, 3),
                gateway_p99_ms=round(g_p99, 3),
                direct_rps=round(d_tput),
                gateway_rps=round(g_tput),
                throughput_ratio=round(g_tput / d_tput, 3),
                target="added<=1ms, ratio>=0.70",
            )
    finally:
        stop_apps(apps)
