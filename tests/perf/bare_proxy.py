"""The floor of a Python proxy here: a bare ASGI app forwarding through aiohttp, no checks.

Benchmark only (tests/perf/test_gateway_overhead.py with PENSION_BENCH_BARE=1): uvicorn in
front, one `aiohttp.ClientSession` behind, headers passed through, the answer streamed back.
The upstream is PENSION_BARE_UPSTREAM (http://host:port).
"""

import os

import aiohttp
from starlette.types import Receive, Scope, Send
from yarl import URL

UPSTREAM = os.environ.get("PENSION_BARE_UPSTREAM", "http://127.0.0.1:8000")
_session: list[aiohttp.ClientSession] = []


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Forward every HTTP request unchanged; answer lifespan events."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        for session in _session:
            await session.close()
        await send({"type": "lifespan.shutdown.complete"})
        return
    if not _session:
        _session.append(
            aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=("Accept-Encoding",))
        )
    target = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    headers = [(k, v) for k, v in headers if k != "host"]
    async with _session[0].get(
        URL(UPSTREAM + target.decode("latin-1"), encoded=True), headers=headers
    ) as upstream:
        raw = [(k, v) for k, v in upstream.raw_headers if k.lower() not in (b"date", b"server")]
        await send({"type": "http.response.start", "status": upstream.status, "headers": raw})
        async for chunk in upstream.content.iter_any():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
