"""`make up`'s demo client: `follow` waits for a real job (plan generation) and reads a plain
answer as it is; a failed job raises with its problem; off a terminal each phase is one line;
a service's consumers count as idle only once every message is acknowledged; work waiting for
keys starts once they are all ready."""

import concurrent.futures
import io
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import nats
import pytest
from rich.console import Console

from deploy.local.demo_progress import (
    JobFailed,
    Phases,
    WhenReady,
    consumers_idle,
    each,
    follow,
)
from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from tests.conftest import auth_headers, delete_stream, make_platform
from tests.e2e.conftest import SERVICE_CREDENTIAL, platform_env
from tests.infra import TestInfra, clone_database, drop_database


@pytest.fixture(scope="module")
async def contribution(
    infra: TestInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, dict[str, str]]]:
    """Contribution alone as a uvicorn process; its URL and a clerk's headers."""
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    env = {**platform_env(platform), "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL}
    app = start_app("contribution", free_port(), env, tmp_path_factory.mktemp("logs"))
    try:
        wait_healthy([app])
        headers = auth_headers(platform, "clerk") | {"X-Gateway-Credential": SERVICE_CREDENTIAL}
        yield app.url, headers
    finally:
        stop_apps([app])
        await delete_stream(platform)
        await drop_database(infra, db)


@pytest.fixture
def client(contribution: tuple[str, dict[str, str]]) -> Iterator[httpx.Client]:
    url, headers = contribution
    with httpx.Client(base_url=url, headers=headers, timeout=30) as c:
        yield c


def test_follow_waits_for_a_real_job_and_drives_the_bar(
    client: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    with Phases(Console(file=io.StringIO(), force_terminal=False)) as phases:
        with phases.phase("plans generated") as bar:
            accepted = client.post("/v1/contribution/plans/generate", json={"period": "2020-03"})
            assert accepted.status_code == 202, accepted.text
            result = follow(client, accepted, bar)
    job = client.get(accepted.headers["location"]).json()
    assert job["state"] == "succeeded"
    assert result == job["result"]
    assert (bar.done, bar.total) == (job["done"], job["total"])
    # Off a terminal: one line for the phase, with its time, and no redraws.
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("plans generated") and line.endswith(" s"), line
    # A plain answer is its body.
    listed = client.get("/v1/contribution/plans", params={"period": "2020-03"})
    assert follow(client, listed) == listed.json()


def test_follow_raises_with_a_failed_jobs_problem() -> None:
    problem = {"code": "period_closed", "status": 409, "detail": "已结账"}
    states = iter(["queued", "running", "failed"])

    def server(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={}, headers={"Location": "/v1/x/jobs/1"})
        assert request.headers["authorization"] == "Bearer t"  # read as whoever started it
        state = next(states)
        return httpx.Response(
            200,
            json={
                "id": "1",
                "kind": "k",
                "state": state,
                "done": 1,
                "total": 2,
                "problem": problem if state == "failed" else None,
            },
        )

    with httpx.Client(transport=httpx.MockTransport(server), base_url="http://x") as c:
        accepted = c.post("/v1/x/run", headers={"Authorization": "Bearer t"})
        with pytest.raises(JobFailed) as failed:
            follow(c, accepted, poll=0)
    assert failed.value.problem == problem
    with httpx.Client(transport=httpx.MockTransport(server), base_url="http://x") as c:
        refused = httpx.Response(422, json={"code": "bad"}, request=httpx.Request("POST", "/"))
        with pytest.raises(httpx.HTTPStatusError):
            follow(c, refused)


def test_off_a_terminal_each_phase_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with Phases(Console(file=io.StringIO(), force_terminal=False)) as phases:
        with phases.phase("units", 30) as bar:
            each(range(30), lambda _: None, bar, workers=3)
        with phases.phase("audit") as bar:
            bar.show(5, 5)
    lines = capsys.readouterr().out.splitlines()
    assert [line.rsplit(" in ", 1)[0] for line in lines] == ["units 30/30", "audit 5/5"]


async def test_a_services_consumers_are_idle_once_every_message_is_acked(infra: TestInfra) -> None:
    nc = await nats.connect(infra.nats_url)
    js, stream = nc.jetstream(), f"SETTLE{uuid.uuid4().hex[:8]}"
    try:
        await js.add_stream(name=stream, subjects=[f"{stream}.x"])
        sub = await js.pull_subscribe(f"{stream}.x", durable="svc-roster", stream=stream)
        await js.publish(f"{stream}.x", b"1")
        assert not await consumers_idle(infra.nats_url, stream, "svc-")  # pending
        assert await consumers_idle(infra.nats_url, stream, "other-")  # not its consumers
        (msg,) = await sub.fetch(1, timeout=5)
        assert not await consumers_idle(infra.nats_url, stream, "svc-")  # not yet acked
        await msg.ack_sync()
        assert await consumers_idle(infra.nats_url, stream, "svc-")
    finally:
        await js.delete_stream(stream)
        await nc.close()


def test_each_raises_the_first_error() -> None:
    def work(n: int) -> None:
        if n == 3:
            raise ValueError(json.dumps({"n": n}))

    with pytest.raises(ValueError, match='"n": 3'):
        each(range(10), work, workers=2)


def test_work_starts_once_every_key_it_needs_is_ready() -> None:
    started: list[str] = []
    with Phases(Console(file=io.StringIO(), force_terminal=False)) as phases:
        with phases.phase("changes", 2) as bar, WhenReady(bar, workers=2) as when:
            when.add({1}, lambda: started.append("unit 1's"))
            when.add({1, 2}, lambda: started.append("a move from 1 to 2"))
            when.ready(1)
            concurrent.futures.wait(when.futures)
            assert started == ["unit 1's"]  # the move waits for unit 2
            when.ready(2)
            when.wait()
            assert (bar.done, sorted(started)) == (2, ["a move from 1 to 2", "unit 1's"])


def test_when_ready_raises_the_first_error_and_what_never_started() -> None:
    def fail() -> None:
        raise ValueError("refused")

    with WhenReady(workers=1) as when:
        when.add({"a"}, fail)
        when.ready("a")
        with pytest.raises(ValueError, match="refused"):
            when.wait()
    with WhenReady(workers=1) as when:
        when.add({"never"}, lambda: None)
        with pytest.raises(RuntimeError, match="1 pieces of work wait"):
            when.wait()
