"""A lean HTTP/1.1 keep-alive transport for the gateway's one shared httpx client.

The gateway's cost per request decides how much of a service's throughput survives the
extra hop on a small machine. httpcore re-checks every pooled connection with a syscall on
each request, and aiohttp's session layer is heavy Python; this transport does only what a
proxy to its own services needs: a pool of idle connections per origin, one request in
flight per connection, responses parsed by httptools (C), and timeouts that become httpx
errors so callers see the usual httpx exceptions.
"""

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httptools
import httpx

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Framing is the transport's business: the body handed back is complete and de-chunked.
FRAMING = frozenset({b"transfer-encoding", b"connection", b"keep-alive"})
Origin = tuple[str, str, int]
T = TypeVar("T")


class _StaleConnection(Exception):
    """The server closed the connection before any answer arrived (retried only if safe)."""


class _Connection(asyncio.Protocol):
    """One upstream connection; answers one request at a time."""

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._head_only = False
        self._answered = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.keep_alive = False

    # -- asyncio protocol ---------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport (always a stream transport here)."""
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """Feed the parser; a malformed answer fails the request and drops the connection."""
        self._answered = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed upstream response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        """The server closed or the socket failed: a pending request fails (or ends)."""
        self.closed = True
        if not self._answered:
            self._fail(_StaleConnection())
        elif self.status and not self._framed():
            self.keep_alive = False  # an unframed body runs until the server closes
            self._finish()
        else:
            self._fail(httpx.RemoteProtocolError("upstream closed the connection mid-answer"))

    def _framed(self) -> bool:
        return any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in self.headers)

    # -- httptools callbacks ------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        """Collect a header."""
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        """The status is known; a HEAD answer has no body, whatever it announces."""
        self.status = self.parser.get_status_code()
        if self._head_only:
            # httptools cannot be told to skip the announced body, so the connection is
            # not reused: the answer is complete and the parser state is abandoned.
            self.keep_alive = False
            self._finish()

    def on_body(self, body: bytes) -> None:
        """Collect a piece of the body."""
        self.body.append(body)

    def on_message_complete(self) -> None:
        """The whole answer is in."""
        if not self._head_only:
            self.keep_alive = self.parser.should_keep_alive()
            self._finish()

    # -- one exchange -------------------------------------------------------------------
    async def exchange(
        self, payload: bytes, head_only: bool, read_timeout: float | None
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Send a serialised request and return its parsed answer: status, headers, body."""
        loop = asyncio.get_running_loop()
        self.status, self.headers, self.body = 0, [], []
        self._head_only, self._answered = head_only, False
        self._waiter = loop.create_future()
        assert self.transport is not None
        self.transport.write(payload)
        timer = loop.call_later(read_timeout, self._time_out) if read_timeout is not None else None
        try:
            await self._waiter
        finally:
            if timer is not None:
                timer.cancel()
            self._waiter = None
        return self.status, self.headers, b"".join(self.body)

    def _finish(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    def _time_out(self) -> None:
        self._fail(httpx.ReadTimeout("upstream did not answer in time"))
        self.close()

    def close(self) -> None:
        """Drop the connection."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()


@dataclass(frozen=True)
class Answer:
    """An answer read whole (framing headers removed, body de-chunked), or one to send."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def origin_of(url: str | httpx.URL) -> Origin:
    """(scheme, host, port) of a URL, the key of a connection pool."""
    url = httpx.URL(url)
    return url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)


class Http1Transport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 to a few known origins, bounded by httpx.Limits."""

    def __init__(self, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_keepalive = limits.max_keepalive_connections or 100
        self.keepalive_expiry = limits.keepalive_expiry or 5.0
        self._slots = asyncio.Semaphore(limits.max_connections or 1_000)
        self._idle: dict[Origin, deque[_Connection]] = {}
        self._ssl_context = ssl_context
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The httpx interface: send one request and read its whole answer."""
        url = request.url
        try:
            answer = await self.send(
                origin_of(url),
                request.method,
                url.raw_path,
                request.headers.raw,
                await request.aread(),
                request.extensions.get("timeout", {}),
            )
        except httpx.TransportError as exc:
            exc.request = request
            raise
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx.ByteStream(answer.body),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def send(
        self,
        origin: Origin,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        timeouts: Mapping[str, float | None],
    ) -> Answer:
        """Send raw parts without building httpx models (the gateway's proxy path).

        Raises httpx.TransportError subclasses, as handle_async_request does.
        """
        if self._closed:
            raise httpx.ConnectError("the transport is closed")
        payload = _serialise(method, target, headers, origin, body)
        if self._slots.locked():
            await _bounded(self._slots.acquire(), timeouts.get("pool"), httpx.PoolTimeout)
        else:
            await self._slots.acquire()
        try:
            status, raw_headers, content = await self._exchange(origin, method, payload, timeouts)
        finally:
            self._slots.release()
        kept = [(k, v) for k, v in raw_headers if k.lower() not in FRAMING]
        return Answer(status, kept, content)

    async def _exchange(
        self, origin: Origin, method: str, payload: bytes, timeouts: Mapping[str, float | None]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        head_only = method == "HEAD"
        conn = await self._checkout(origin, timeouts.get("connect"))
        try:
            try:
                answer = await conn.exchange(payload, head_only, timeouts.get("read"))
            except _StaleConnection:
                if not (conn.reused and method in IDEMPOTENT):
                    raise
                # The server dropped an idle connection just as it was reused: use a new one.
                conn = await self._connect(origin, timeouts.get("connect"))
                answer = await conn.exchange(payload, head_only, timeouts.get("read"))
        except _StaleConnection:
            conn.close()
            raise httpx.RemoteProtocolError(
                "upstream closed the connection without answering"
            ) from None
        except BaseException:
            conn.close()  # cancelled or failed mid-answer: its state is unknown
            raise
        self._checkin(conn)
        return answer

    async def _checkout(self, origin: Origin, connect_timeout: float | None) -> _Connection:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()  # the most recently used is the least likely to be stale
            if not conn.closed and now - conn.idle_since < self.keepalive_expiry:
                conn.reused = True
                return conn
            conn.close()
        return await self._connect(origin, connect_timeout)

    async def _connect(self, origin: Origin, connect_timeout: float | None) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        context = None
        if scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
        try:
            _, conn = await _bounded(
                loop.create_connection(
                    lambda: _Connection(origin),
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context else None,
                ),
                connect_timeout,
                httpx.ConnectTimeout,
            )
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return conn

    def _checkin(self, conn: _Connection) -> None:
        idle = self._idle.setdefault(conn.origin, deque())
        if conn.closed or not conn.keep_alive or len(idle) >= self.max_keepalive:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    async def aclose(self) -> None:
        """Close every idle connection; requests still in flight finish on their own."""
        self._closed = True
        for idle in self._idle.values():
            while idle:
                idle.pop().close()


async def _bounded(
    awaitable: Awaitable[T], seconds: float | None, error: type[httpx.TimeoutException]
) -> T:
    """Await with an optional deadline that raises the given httpx timeout."""
    if seconds is None:
        return await awaitable
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError as exc:
        raise error("timed out") from exc


def _serialise(
    method: str, target: bytes, headers: list[tuple[bytes, bytes]], origin: Origin, body: bytes
) -> bytes:
    """The request line, headers and body as bytes on the wire."""
    lines = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    has_host = False
    for name, value in headers:
        lowered = name.lower()
        if lowered in (b"content-length", b"transfer-encoding", b"connection"):
            continue
        has_host = has_host or lowered == b"host"
        lines += [name, b": ", value, b"\r\n"]
    if not has_host:
        _, host, port = origin
        lines += [b"host: ", host.encode("idna"), b":", str(port).encode("ascii"), b"\r\n"]
    if body or method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
        lines += [b"content-length: ", str(len(body)).encode("ascii"), b"\r\n"]
    lines += [b"\r\n", body]
    return b"".join(lines)
