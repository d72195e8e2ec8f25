"""A receiving end for the change push, and its secret."""

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = "province-push-test-secret-0123456789abcdef"
PATH = "/province/push?county=330522"


@dataclass
class Receiver:
    """The province's end: checks each signature by hand and keeps what it received.

    `mode` is "ok", "fail" (answers 500) or "hang" (keeps the batch, answers too late)."""

    secret: str
    mode: str = "ok"
    hang_seconds: float = 1.5
    posts: list[tuple[str, int, int]] = field(default_factory=list)  # (mode, first, last)
    attempt_times: list[float] = field(default_factory=list)
    applied: dict[tuple[str, int], dict] = field(default_factory=dict)  # deduped by seq
    arrivals: list[int] = field(default_factory=list)  # seqs in first-arrival order
    duplicates: int = 0
    refused: int = 0

    def signature_ok(self, request: Request, body: bytes) -> bool:
        """The signing string written out here, not taken from the code under test."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        ts = request.headers.get("x-timestamp", "")
        message = f"v2\n{ts}\nPOST\n{target}\n".encode() + body
        expected = hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        return fresh and hmac.compare_digest(expected, request.headers.get("x-signature", ""))

    async def push(self, request: Request) -> JSONResponse:
        body = await request.body()
        if not self.signature_ok(request, body):
            self.refused += 1
            return JSONResponse({"error": "bad signature"}, status_code=401)
        batch = json.loads(body, parse_float=Decimal)  # amounts stay exact
        assert batch["service"] == request.headers["x-pension-source"]
        self.posts.append((self.mode, batch["first_seq"], batch["last_seq"]))
        self.attempt_times.append(time.monotonic())
        if self.mode == "fail":
            return JSONResponse({"error": "down"}, status_code=500)
        seqs = [c["seq"] for c in batch["changes"]]
        assert seqs == list(range(batch["first_seq"], batch["last_seq"] + 1)), seqs
        for change in batch["changes"]:
            key = (batch["service"], change["seq"])
            if key in self.applied:
                self.duplicates += 1
                continue
            self.applied[key] = change
            self.arrivals.append(change["seq"])
        if self.mode == "hang":  # applied, but the answer comes after the pusher gave up
            await asyncio.sleep(self.hang_seconds)
        return JSONResponse({"received": len(seqs)})


@contextlib.asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[str]:
    """Serve the receiver on a free loopback port; yields the push URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/province/push", receiver.push, methods=["POST"])])
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}{PATH}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
