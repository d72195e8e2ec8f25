"""The demo load's progress: a bar per phase, jobs followed to their end, work spread on threads.

On a terminal every phase is a live bar (rich); elsewhere (CI, a log file) each phase prints
one line when it ends, so a log is not flooded with redraws.
"""

import asyncio
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import nats
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

T = TypeVar("T")
FINISHED = ("succeeded", "failed")


class JobFailed(RuntimeError):
    """A job ended `failed`; its problem (code, status, detail) is kept."""

    def __init__(self, job: dict) -> None:
        self.problem = job.get("problem") or {}
        super().__init__(f"job {job.get('kind')} {job.get('id')} failed: {self.problem}")


@dataclass
class Bar:
    """One phase's bar: `advance` by items done, or `show` a job's done/total."""

    progress: Progress | None
    task: TaskID | None
    done: int = 0
    total: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def advance(self, n: int = 1) -> None:
        """n more items done."""
        with self._lock:
            self.done += n
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, n)

    def show(self, done: int, total: int | None) -> None:
        """A job's own progress (its total may be unknown at first)."""
        with self._lock:
            self.done, self.total = done, total if total is not None else self.total
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done, total=self.total)


class Phases:
    """The bars of one `make up`: `with` it around the run, `phase` around each part."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(file=sys.stdout)
        self.live = self.console.is_terminal and not self.console.is_dumb_terminal
        self.progress = (
            Progress(
                TextColumn("{task.description:<34}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
            )
            if self.live
            else None
        )

    def __enter__(self) -> "Phases":
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    @contextmanager
    def phase(self, description: str, total: int | None = None) -> Iterator[Bar]:
        """A bar for the block; off a terminal, one line when it ends (with its time)."""
        task = (
            self.progress.add_task(description, total=total) if self.progress is not None else None
        )
        bar = Bar(self.progress, task, total=total)
        started = time.monotonic()
        yield bar
        if self.progress is not None and task is not None:
            # A phase whose size was never known ends as one full step.
            done = bar.total if bar.total is not None else max(bar.done, 1)
            self.progress.update(task, completed=done, total=done)
        else:
            count = f" {bar.done:,}/{bar.total:,}" if bar.total else ""
            print(f"{description}{count} in {time.monotonic() - started:.1f} s", flush=True)


def follow(
    client: httpx.Client,
    response: httpx.Response,
    bar: Bar | None = None,
    poll: float = 0.2,
    timeout: float = 600.0,
) -> dict:
    """What a request did: a 200/201's body, or for a 202 the result of the job it queued.

    The job (its `Location`) is polled with the request's own credentials until it succeeds
    (its `result`) or fails (`JobFailed` with its problem); its done/total drive the bar.
    The first polls come quickly (a runner claims a queued job at once, and most of the
    demo's jobs take a fraction of a second), then every `poll` seconds. Any other status
    raises as `raise_for_status` does.
    """
    response.raise_for_status()
    if response.status_code != 202 or "location" not in response.headers:
        return response.json() if response.content else {}
    headers = {}
    if auth := response.request.headers.get("authorization"):
        headers["Authorization"] = auth
    deadline = time.monotonic() + timeout
    wait = min(0.02, poll)
    while True:
        job = client.get(response.headers["location"], headers=headers).raise_for_status().json()
        if bar is not None:
            bar.show(job.get("done", 0), job.get("total"))
        if job["state"] in FINISHED:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job['kind']} {job['id']} not finished in {timeout:g} s")
        time.sleep(wait)
        wait = min(wait * 2, poll)
    if job["state"] == "failed":
        raise JobFailed(job)
    return job.get("result") or {}


def each(
    items: Iterable[T], work: Callable[[T], object], bar: Bar | None = None, workers: int = 4
) -> None:
    """`work` on every item, a few at a time (they must not depend on each other's order).

    A few requests in flight keep the gateway, the service and PostgreSQL busy while one
    request's answer travels back; the first error stops the rest and is raised.
    """
    with ThreadPoolExecutor(workers) as pool:
        futures = []
        for item in items:
            future = pool.submit(work, item)
            if bar is not None:
                future.add_done_callback(lambda f: f.exception() or bar.advance())
            futures.append(future)
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            if future.exception() is not None:
                for rest in futures:
                    rest.cancel()
                raise future.exception()  # type: ignore[misc]


class WhenReady:
    """Work that starts, a few at a time, once every key it names is ready (the demo's
    changes of 2020 once the units they concern are loaded)."""

    def __init__(self, bar: Bar | None = None, workers: int = 4) -> None:
        self.bar = bar
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="when-ready")
        self.done: set[Hashable] = set()
        self.waiting: list[tuple[set[Hashable], Callable[[], object]]] = []
        self.futures: list[Future] = []
        self.lock = threading.Lock()

    def __enter__(self) -> "WhenReady":
        return self

    def __exit__(self, *exc: object) -> None:
        """Work not started yet is dropped (after an error)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def add(self, needs: set[Hashable], work: Callable[[], object]) -> None:
        """`work` once every key in `needs` is ready."""
        with self.lock:
            self.waiting.append((needs, work))

    def ready(self, key: Hashable) -> None:
        """A key is ready: start the work that waited for nothing else."""
        with self.lock:
            self.done.add(key)
            due = [work for needs, work in self.waiting if needs <= self.done]
            self.waiting = [(n, w) for n, w in self.waiting if not n <= self.done]
        for work in due:
            future = self.pool.submit(work)
            if self.bar is not None:
                future.add_done_callback(lambda f: f.exception() or self.bar.advance())
            self.futures.append(future)

    def wait(self) -> None:
        """Until every piece of work is done; the first error is raised, and work still
        waiting for a key that never came is an error too."""
        if self.waiting:
            raise RuntimeError(f"{len(self.waiting)} pieces of work wait for keys never ready")
        finished, _ = wait(self.futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            if future.exception() is not None:
                raise future.exception()  # type: ignore[misc]


def events_settled(
    client: httpx.Client, nats_url: str, stream: str, service: str, timeout: float = 600.0
) -> None:
    """Wait until `service` has applied every event published so far: no service's outbox
    holds an unpublished event (the gateway's /health) and none of the service's durable
    consumers has a message pending or unacknowledged (NATS). A loader whose answers depend
    on what the service learnt from events (contribution's liabilities from the year's
    status changes) waits for this, so its figures do not depend on timing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services = client.get("/health").raise_for_status().json()["services"]
        if all(s.get("outbox_pending", 0) == 0 for s in services.values()) and asyncio.run(
            consumers_idle(nats_url, stream, f"{service}-")
        ):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{service} had not applied every event after {timeout:g} s")


async def consumers_idle(nats_url: str, stream: str, prefix: str) -> bool:
    """No durable consumer named `prefix…` on the stream has a message to deliver or ack."""
    nc = await nats.connect(nats_url)
    try:
        consumers = await nc.jetstream().consumers_info(stream)
        return all(
            not (c.num_pending or c.num_ack_pending) for c in consumers if c.name.startswith(prefix)
        )
    finally:
        await nc.close()
