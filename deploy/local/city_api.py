"""The simulated city's callers: clerks, finance, the bank, through the cluster's gateways."""

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import httpx

from shared.http.bank_signature import sign

T = TypeVar("T")
BANK = "bank-psbc"
USERS = {
    "clerk": {"username": "clerk", "password": "clerk-demo"},
    "clerk2": {"username": "clerk2", "password": "clerk2-demo"},
    "finance": {"username": "finance", "password": "finance-demo"},
    "bank": {
        "grant_type": "client_credentials",
        "client_id": BANK,
        "client_secret": f"{BANK}-demo",
    },
}


class ApiError(RuntimeError):
    """A request the simulation did not expect to fail (4xx other than those allowed, 5xx)."""


class Api:
    """Requests spread over the gateways in turn; 429 waits as Retry-After says."""

    def __init__(self, gateways: list[str], timeout: float = 300.0) -> None:
        self.clients = [httpx.AsyncClient(base_url=g, timeout=timeout) for g in gateways]
        self._next = itertools.cycle(self.clients)
        self.headers: dict[str, dict[str, str]] = {}

    async def close(self) -> None:
        """Close every client."""
        await asyncio.gather(*(c.aclose() for c in self.clients))

    async def login(self) -> None:
        """Fresh tokens for every user (a token lives an hour; each step logs in again)."""
        for user, form in USERS.items():
            r = await self.clients[0].post("/v1/auth/token", data=form)
            r.raise_for_status()
            self.headers[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def call(
        self,
        method: str,
        path: str,
        user: str,
        *,
        allow: tuple[int, ...] = (),
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request as `user`; a POST carries an idempotency key (a fresh one if none)."""
        extra = {**self.headers[user], **(headers or {})}
        if method == "POST":
            extra.setdefault("Idempotency-Key", str(uuid.uuid4()))
        client = next(self._next)
        for _ in range(50):
            r = await client.request(method, path, headers=extra, **kwargs)
            if r.status_code != 429:
                break
            await asyncio.sleep(float(r.headers.get("retry-after", "1")))
        if r.status_code >= 400 and r.status_code not in allow:
            raise ApiError(f"{method} {path}: {r.status_code} {r.text[:500]}")
        return r

    async def follow(self, r: httpx.Response, user: str) -> dict:
        """The body of a 200/201, or the result of the job a 202 queued (within an hour)."""
        if r.status_code != 202 or "location" not in r.headers:
            return r.json() if r.content else {}
        deadline = time.monotonic() + 3600
        while True:
            job = (await self.call("GET", r.headers["location"], user)).json()
            if job["state"] == "succeeded":
                return job.get("result") or {}
            if job["state"] == "failed":
                raise ApiError(f"job {job.get('kind')} failed: {job.get('problem')}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job.get('kind')} not finished in an hour")
            await asyncio.sleep(0.2)

    async def pages(self, path: str, user: str, **params: Any) -> list[dict]:
        """Every item of a paged list."""
        items: list[dict] = []
        while True:
            query = {**params, "limit": 500, "offset": len(items)}
            body = (await self.call("GET", path, user, params=query)).json()
            items += body["items"]
            if len(items) >= body["total"] or not body["items"]:
                return items

    async def signed(self, path: str, body: dict, secret: str) -> httpx.Response:
        """A bank's signed post; signed again a second later if refused as a replay."""
        raw = json.dumps(body).encode()
        for _ in range(5):
            ts = int(time.time())
            r = await self.call(
                "POST",
                path,
                "bank",
                allow=(401,),
                content=raw,
                headers={
                    "X-Bank-Id": BANK,
                    "X-Timestamp": str(ts),
                    "X-Signature": sign(secret, ts, raw, method="POST", target=path),
                    "content-type": "application/json",
                },
            )
            if r.status_code != 401:
                return r
            if r.json().get("code") != "signature_replayed":
                raise ApiError(f"POST {path}: 401 {r.text[:500]}")
            await asyncio.sleep(1.1)
        raise ApiError(f"POST {path}: refused as a replay five times")


async def each(items: Iterable[T], work: Callable[[T], Awaitable[object]], workers: int) -> int:
    """`work` on every item, `workers` at a time; the first error stops the rest."""
    queue = list(items)
    position = iter(range(len(queue)))

    async def worker() -> None:
        for i in position:
            await work(queue[i])

    tasks = [asyncio.create_task(worker()) for _ in range(min(workers, len(queue)) or 1)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    return len(queue)
