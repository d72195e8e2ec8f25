"""Tests' side of jobs: wait for a 202's job and read its outcome like a synchronous answer."""

import asyncio
import json
import time
from typing import Any

import httpx


class Outcome:
    """A finished job read as an answer: 200 with its result, or its problem's status."""

    def __init__(self, status_code: int, body: dict[str, Any], job: dict[str, Any]) -> None:
        self.status_code = status_code
        self._body = body
        self.job = job
        self.text = json.dumps(body)

    def json(self) -> dict[str, Any]:
        return self._body


async def wait_for_job(
    client: httpx.AsyncClient,
    accepted: httpx.Response,
    headers: dict[str, str] | None = None,
    within: float = 60.0,
) -> dict[str, Any]:
    """Poll the job a 202 answered with until it succeeds or fails; return the job."""
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    # Read as the caller who started it (every role that starts a job may read it).
    reader = {"Authorization": accepted.request.headers["authorization"]}
    reader |= {k: v for k, v in (headers or {}).items() if k.lower() != "idempotency-key"}
    deadline = time.monotonic() + within
    while True:
        job = (await client.get(location, headers=reader)).json()
        if job.get("state") in ("succeeded", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job not finished in {within} s: {job}")
        await asyncio.sleep(0.05)


async def finished(
    client: httpx.AsyncClient,
    answer: httpx.Response,
    headers: dict[str, str] | None = None,
    within: float = 60.0,
) -> "Outcome | httpx.Response":
    """A 202's job once finished, as an answer; any other answer as it is (a 4xx refusal)."""
    if answer.status_code != 202:
        return answer
    job = await wait_for_job(client, answer, headers, within)
    if job["state"] == "succeeded":
        return Outcome(200, job["result"], job)
    return Outcome(job["problem"]["status"], job["problem"], job)


def wait_for_job_sync(
    client: httpx.Client, accepted: httpx.Response, headers: dict[str, str], within: float = 300.0
) -> dict[str, Any]:
    """The same for a synchronous client (e2e tests through the gateway): the finished job."""
    assert accepted.status_code == 202, accepted.text
    reader = {k: v for k, v in headers.items() if k.lower() != "idempotency-key"}
    deadline = time.monotonic() + within
    while True:
        job = client.get(accepted.headers["location"], headers=reader).json()
        if job.get("state") in ("succeeded", "failed"):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job not finished in {within} s: {job}")
        time.sleep(0.1)


async def imported(
    client: httpx.AsyncClient,
    answer: httpx.Response,
    headers: dict[str, str] | None = None,
    within: float = 60.0,
) -> "Outcome | httpx.Response":
    """An import's 202 read as its old answer: the kept report once the job succeeded (read
    with the caller's headers, so in their language and masking), the job's problem if it
    failed, any other answer (a refusal) as it is."""
    if answer.status_code != 202:
        return answer
    job = await wait_for_job(client, answer, headers, within)
    if job["state"] != "succeeded":
        return Outcome(job["problem"]["status"], job["problem"], job)
    reader = {"Authorization": answer.request.headers["authorization"]}
    reader |= {k: v for k, v in (headers or {}).items() if k.lower() != "idempotency-key"}
    report = await client.get(job["result"]["report_url"], headers=reader)
    assert report.status_code == 200, report.text
    return report


def imported_sync(
    client: httpx.Client, answer: httpx.Response, headers: dict[str, str], within: float = 300.0
) -> httpx.Response:
    """The same for a synchronous client (e2e tests through the gateway)."""
    if answer.status_code != 202:
        return answer
    job = wait_for_job_sync(client, answer, headers, within)
    assert job["state"] == "succeeded", job
    reader = {k: v for k, v in headers.items() if k.lower() != "idempotency-key"}
    report = client.get(job["result"]["report_url"], headers=reader)
    assert report.status_code == 200, report.text
    return report
