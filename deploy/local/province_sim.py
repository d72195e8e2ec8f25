"""The province simulator (`make province-sim`): a provincial platform on this machine.

It pulls every domain's change feed through the gateway with the province's client
credentials, receives the services' signed pushes on a loopback HTTP endpoint, mirrors what
both bring (one mirror per direction, so each is proved on its own), and sends death notices,
certifications and parameters the way the province does. The end-to-end tests drive the class;
by hand it follows `make up` until Ctrl-C, printing what it mirrored, and keeps its cursors and
mirror in a file so a restart resumes where it stopped.
"""

import argparse
import asyncio
import contextlib
import hmac
import json
import os
import signal
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.contracts.feeds import INSURED_STATUS, PERSON_NUMBER
from shared.http.bank_signature import SIGNATURE, TIMESTAMP, WINDOW_SECONDS, sign, target_of
from shared.settings import DEV_PUSH_SECRET  # the services' dev default push secret

# What the province mirrors: each service's feeds (GET /v1/<service>/sync/<domain>/changes).
FEEDS: dict[str, tuple[str, ...]] = {
    "enrollment": ("persons", "units", "accounts"),
    "contribution": ("contributions",),
    "payout": ("determinations", "payments"),
}
PUSH_PATH = "/push"
PERSON_STATUS = INSURED_STATUS
Record = dict[str, Any]


class Gap(Exception):
    """A change arrived whose predecessor in its stream never did: nothing may be skipped."""


@dataclass
class Mirror:
    """Records of one direction by service, entity and key, and each stream's position.

    A stream is a feed ("enrollment/persons") when pulled, a service ("enrollment") when
    pushed; its position is the last seq applied, so a change seen again is counted and
    ignored and a change out of order is refused.
    """

    records: dict[str, dict[str, dict[str, Record]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    positions: dict[str, int] = field(default_factory=dict)
    applied: int = 0
    duplicates: int = 0
    per_stream: Counter[str] = field(default_factory=Counter)  # changes applied per stream

    def apply(self, stream: str, service: str, change: Record, *, contiguous: bool) -> bool:
        """Apply one change in its stream's order; False when it was applied before.

        `contiguous`: the stream's seqs have no holes (a push carries every change of its
        service), so a jump is a lost change and raises `Gap`.
        """
        seq = int(change["seq"])
        last = self.positions.get(stream, 0)
        if seq <= last:
            self.duplicates += 1
            return False
        if contiguous and seq != last + 1:
            raise Gap(f"{stream}: expected seq {last + 1}, got {seq}")
        table = self.records[service][change["entity"]]
        if change["operation"] == "delete":
            table.pop(change["key"], None)
        else:
            table[change["key"]] = change["record"]
        self.positions[stream] = seq
        self.applied += 1
        self.per_stream[stream] += 1
        return True

    def entity(self, service: str, entity: str) -> dict[str, Record]:
        """The mirrored records of one entity (key → record)."""
        return self.records[service][entity]

    def counts(self) -> dict[str, int]:
        """How many records of each service/entity the mirror holds."""
        return {
            f"{service}/{entity}": len(rows)
            for service, entities in sorted(self.records.items())
            for entity, rows in sorted(entities.items())
            if rows
        }

    def persons_by_status(self) -> Counter[str]:
        """Mirrored persons by their insured status (aac008)."""
        return Counter(p[PERSON_STATUS] for p in self.entity("enrollment", "person").values())

    def balances(self) -> dict[tuple[str, str], Decimal]:
        """Each account's balance, (person number, kind) → sum of its mirrored postings."""
        accounts = self.entity("enrollment", "account")
        totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for posting in self.entity("enrollment", "posting").values():
            account = accounts.get(str(posting["account_id"]))
            if account is not None:
                totals[(account[PERSON_NUMBER], account["kind"])] += Decimal(posting["amount"])
        return dict(totals)

    def payments(self) -> dict[tuple[str, str, str], tuple[int, Decimal]]:
        """Mirrored payments by month, program and status: (count, sum of amounts)."""
        out: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
        for p in self.entity("payout", "payment").values():
            key = (str(p["period"])[:7], p["program"], p["status"])
            count, total = out.get(key, (0, Decimal(0)))
            out[key] = (count + 1, total + Decimal(p["amount"]))
        return dict(sorted(out.items()))

    def dump(self) -> dict[str, Any]:
        """A JSON-able copy (the by-hand run keeps it in its state file)."""
        return {"records": self.records, "positions": self.positions}

    @classmethod
    def load(cls, saved: dict[str, Any]) -> "Mirror":
        """The mirror saved by `dump`."""
        mirror = cls(positions={k: int(v) for k, v in saved.get("positions", {}).items()})
        for service, entities in saved.get("records", {}).items():
            for entity, rows in entities.items():
                mirror.records[service][entity].update(rows)
        return mirror


@dataclass
class PushStats:
    """What the push receiver saw: batches by answer, refused signatures, gaps."""

    received: int = 0
    accepted: int = 0
    refused_signature: int = 0
    failed_on_purpose: int = 0
    gaps: int = 0


class _Receiver(uvicorn.Server):
    """uvicorn serving the push endpoint inside the simulator's event loop; signals are the
    simulator's (or the test runner's) to handle, not uvicorn's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave the process's signal handlers alone."""
        yield


class ProvinceSimulator:
    """The provincial platform: pulls the feeds, receives pushes, sends notices."""

    def __init__(
        self,
        gateway: str,
        *,
        client_id: str = "province",
        client_secret: str = "province-demo",
        push_secret: str = DEV_PUSH_SECRET,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 1_000,
        state_file: Path | None = None,
        save_seconds: float = 30.0,
    ) -> None:
        self.gateway = gateway.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.push_secret = push_secret
        self.host, self.port = host, port
        self.page_size = page_size
        self.state_file = state_file
        self.save_seconds = save_seconds
        self._saved_at = 0.0
        self.pulled = Mirror()
        self.pushed = Mirror()
        self.cursors: dict[str, str] = {}
        self.push_stats = PushStats()
        # "error": the receiver answers 500 and pulling stops; "hang": the receiver never
        # answers (the pusher times out) and pulling stops. None: in service.
        self.outage: str | None = None
        self._token: str | None = None
        self._client: httpx.AsyncClient | None = None
        self._server: _Receiver | None = None
        self._serving: asyncio.Task[None] | None = None
        self._push_lock = asyncio.Lock()
        self._back = asyncio.Event()  # set while in service
        self._back.set()
        if state_file is not None and state_file.exists():
            self._restore(json.loads(state_file.read_text()))

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def push_url(self) -> str:
        """Where the services push (PENSION_PROVINCE_PUSH_URL)."""
        return f"http://{self.host}:{self.port}{PUSH_PATH}"

    async def start(self) -> None:
        """Open the gateway client and start the push receiver."""
        self._client = httpx.AsyncClient(base_url=self.gateway, timeout=60)
        app = Starlette(routes=[Route(PUSH_PATH, self._receive_push, methods=["POST"])])
        config = uvicorn.Config(
            app, host=self.host, port=self.port, log_level="warning", lifespan="off"
        )
        self._server = _Receiver(config)
        self._serving = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._serving.done():
                self._serving.result()  # raises what stopped it (a port in use)
            await asyncio.sleep(0.02)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop the receiver and close the client."""
        if self._server is not None and self._serving is not None:
            self._server.should_exit = True
            await self._serving
        if self._client is not None:
            await self._client.aclose()

    async def __aenter__(self) -> "ProvinceSimulator":
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def begin_outage(self, mode: str = "error") -> None:
        """The province goes down: no pulls, pushes answered 500 ("error") or never ("hang")."""
        self.outage = mode
        self._back.clear()

    def end_outage(self) -> None:
        """The province is back."""
        self.outage = None
        self._back.set()

    # -- pulling ----------------------------------------------------------------------------

    async def _headers(self, renew: bool = False) -> dict[str, str]:
        if self._token is None or renew:
            assert self._client is not None
            r = await self._client.post(
                "/v1/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
            )
            r.raise_for_status()
            self._token = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    async def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A request through the gateway as the province (a new token when it expired)."""
        assert self._client is not None, "start() the simulator first"
        extra = headers or {}
        r = await self._client.request(
            method, path, headers={**extra, **await self._headers()}, **kwargs
        )
        if r.status_code == 401:
            r = await self._client.request(
                method, path, headers={**extra, **await self._headers(renew=True)}, **kwargs
            )
        return r

    async def pull_feed(self, service: str, domain: str) -> int:
        """Read one feed from its cursor to its end; return how many changes were new."""
        stream, new = f"{service}/{domain}", 0
        while True:
            params = {"limit": str(self.page_size)}
            if stream in self.cursors:
                params["after"] = self.cursors[stream]
            r = await self.call("GET", f"/v1/{service}/sync/{domain}/changes", params=params)
            r.raise_for_status()
            page = r.json()
            for change in page["changes"]:
                new += self.pulled.apply(stream, service, change, contiguous=False)
            self.cursors[stream] = page["next_cursor"]
            if not page["has_more"]:
                return new

    async def pull(self) -> int:
        """Read every feed to its end (unless the province is down); return the new changes."""
        if self.outage:
            return 0
        new = 0
        for service, domains in FEEDS.items():
            for domain in domains:
                new += await self.pull_feed(service, domain)
        if new and time.monotonic() - self._saved_at >= self.save_seconds:
            self.save()  # a big mirror takes seconds to write: not after every round
        return new

    async def follow(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Pull until `stop` is set; a failing service or gateway is retried with backoff."""
        delay = interval
        while not stop.is_set():
            try:
                await self.pull()
                delay = interval
            except (httpx.HTTPError, KeyError, ValueError):
                delay = min(delay * 2, 10.0)  # the gateway or a service is away: try later
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    # -- receiving pushes --------------------------------------------------------------------

    def _signature_ok(self, request: Request, body: bytes) -> bool:
        ts, signature = (
            request.headers.get("x-timestamp", ""),
            request.headers.get("x-signature", ""),
        )
        if not TIMESTAMP.fullmatch(ts) or not SIGNATURE.fullmatch(signature):
            return False
        if abs(time.time() - int(ts)) > WINDOW_SECONDS:
            return False
        expected = sign(self.push_secret, int(ts), body, method="POST", target=target_of(request))
        return hmac.compare_digest(expected, signature.lower())

    async def _receive_push(self, request: Request) -> Response:
        """One signed batch: applied in order, what was applied before skipped (a batch is
        resent after a timeout); a hole in the seqs is refused, since nothing may be lost."""
        body = await request.body()
        self.push_stats.received += 1
        if not self._signature_ok(request, body):
            self.push_stats.refused_signature += 1
            return JSONResponse({"error": "bad_signature"}, status_code=401)
        if self.outage:
            if self.outage == "hang":  # held until the province is back, then dropped
                await self._back.wait()
            self.push_stats.failed_on_purpose += 1
            return JSONResponse({"error": "province_down"}, status_code=500)
        batch = json.loads(body)
        service = batch["service"]
        if request.headers.get("x-pension-source") != service:
            return JSONResponse({"error": "source_mismatch"}, status_code=400)
        async with self._push_lock:
            try:
                for change in batch["changes"]:
                    self.pushed.apply(service, service, change, contiguous=True)
            except Gap as gap:
                self.push_stats.gaps += 1
                return JSONResponse({"error": "gap", "detail": str(gap)}, status_code=409)
        self.push_stats.accepted += 1
        return JSONResponse({"position": self.pushed.positions.get(service, 0)})

    # -- sending ----------------------------------------------------------------------------

    async def send(self, path: str, items: Iterable[Record]) -> dict[str, Any]:
        """POST an inbound batch ({"items": [...]}, each with a message_id) and answer the
        per-item outcome; a 4xx/5xx for the whole batch raises."""
        r = await self.call(
            "POST",
            path,
            json={"items": list(items)},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        r.raise_for_status()
        return r.json()

    async def send_death_notices(self, notices: Iterable[Record]) -> dict[str, Any]:
        """死亡比对: items {message_id, citizen_id, date_of_death}."""
        return await self.send("/v1/enrollment/sync/death-notices", notices)

    async def send_certifications(self, certifications: Iterable[Record]) -> dict[str, Any]:
        """数据比对认证: survival certifications for payout."""
        return await self.send("/v1/payout/sync/certifications", certifications)

    async def send_parameters(self, service: str, parameters: Iterable[Record]) -> dict[str, Any]:
        """Published parameters for the service that owns them."""
        return await self.send(f"/v1/{service}/sync/parameters", parameters)

    # -- state and report -------------------------------------------------------------------

    def save(self) -> None:
        """Keep cursors and both mirrors (by hand only), replaced whole so a kill keeps the
        last complete state."""
        if self.state_file is None:
            return
        state = {
            "cursors": self.cursors,
            "pulled": self.pulled.dump(),
            "pushed": self.pushed.dump(),
        }
        partial = self.state_file.with_suffix(".partial")
        partial.write_text(json.dumps(state, ensure_ascii=False))
        partial.replace(self.state_file)
        self._saved_at = time.monotonic()

    def _restore(self, state: dict[str, Any]) -> None:
        self.cursors = dict(state.get("cursors", {}))
        self.pulled = Mirror.load(state.get("pulled", {}))
        self.pushed = Mirror.load(state.get("pushed", {}))

    def summary(self) -> str:
        """What the mirrors hold: records per entity and a few totals."""
        lines = ["pulled (records per service/entity):"]
        lines += [f"  {name:40} {n:>9}" for name, n in self.pulled.counts().items()]
        lines.append(
            f"  changes applied {self.pulled.applied}, seen twice {self.pulled.duplicates}"
        )
        persons = ", ".join(f"{s}={n}" for s, n in sorted(self.pulled.persons_by_status().items()))
        lines.append(f"persons by status: {persons or '-'}")
        postings = sum(self.pulled.balances().values(), Decimal(0))
        lines.append(f"sum of postings: {postings:.2f}")
        lines.append("payments by month, program and status (count, amount):")
        lines += [
            f"  {month} {program:16} {status:10} {count:>7} {total:>16.2f}"
            for (month, program, status), (count, total) in self.pulled.payments().items()
        ]
        pushed = ", ".join(f"{s}={n}" for s, n in sorted(self.pushed.positions.items()))
        stats = self.push_stats
        lines.append(
            f"pushed: positions {pushed or '- (no push configured?)'}; batches "
            f"{stats.accepted} accepted, {stats.refused_signature} bad signatures, "
            f"{stats.gaps} gaps; changes seen twice {self.pushed.duplicates}"
        )
        return "\n".join(lines)


async def _run_by_hand(args: argparse.Namespace) -> None:
    sim = ProvinceSimulator(
        args.gateway,
        push_secret=args.push_secret,
        host=args.host,
        port=args.port,
        page_size=args.page_size,
        state_file=args.state,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or a kill: save and stop
        loop.add_signal_handler(sig, stop.set)
    async with sim:
        print(f"province simulator: pulling {args.gateway}, receiving pushes at {sim.push_url}")
        print(f"(set PENSION_PROVINCE_PUSH_URL={sim.push_url} for the services to push here)")
        follower = asyncio.create_task(sim.follow(stop, args.interval))
        shown = None
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.interval)
            now = (sim.pulled.applied, sim.pushed.applied)
            if now != shown:
                print(f"\n--- {time.strftime('%H:%M:%S')}\n{sim.summary()}", flush=True)
                shown = now
        await follower
        sim.save()
        print("province simulator: state saved, stopped.", flush=True)


def main() -> None:
    """`make province-sim`: follow `make up` until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gateway", default=os.environ.get("PENSION_SIM_GATEWAY", "http://127.0.0.1:8000")
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PENSION_SIM_PORT", "8200")))
    parser.add_argument(
        "--push-secret",
        default=os.environ.get("PENSION_PROVINCE_PUSH_SECRET", DEV_PUSH_SECRET),
    )
    parser.add_argument("--page-size", type=int, default=1_000)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--state", type=Path, default=Path(".data/province_sim.json"))
    args = parser.parse_args()
    args.state.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(_run_by_hand(args))


if __name__ == "__main__":
    main()
