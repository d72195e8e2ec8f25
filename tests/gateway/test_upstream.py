"""The gateway's HTTP/1.1 transport against real sockets: reuse, framing, stale and slow servers."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from gateway.upstream import Http1Transport, origin_of

pytestmark = pytest.mark.asyncio(loop_scope="session")
LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=5)


@dataclass
class Request:
    """What the scripted server received."""

    connection: int
    number: int  # the request's position on its connection, from 1
    head: bytes
    body: bytes


@dataclass
class ScriptedServer:
    """Answers each request with whatever `answer` returns (None: close without answering)."""

    answer: Callable[[Request], bytes | None]
    received: list[Request] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection, number = self.connections, 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                number += 1
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = Request(connection, number, head, await reader.readexactly(length))
                self.received.append(request)
                reply = self.answer(request)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def scripted(answer: Callable[[Request], bytes | None]) -> AsyncIterator[ScriptedServer]:
    """Run a scripted server on a free port."""
    server = ScriptedServer(answer)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    """A framed 200 answer."""
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + extra
        + b"content-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


async def test_connections_are_reused_and_bodies_forwarded() -> None:
    async with scripted(lambda r: ok(r.body or b"{}")) as server:
        transport = Http1Transport(LIMITS)
        async with httpx.AsyncClient(transport=transport) as client:
            url = f"http://127.0.0.1:{server.port}/v1/x"
            first = await client.get(url)
            second = await client.post(url, content=b'{"amount":"1.00"}')
        assert first.json() == {}
        assert second.json() == {"amount": "1.00"}
        assert server.connections == 1
        assert [r.number for r in server.received] == [1, 2]
        assert b"content-length: 17" in server.received[1].head.lower()


async def test_chunked_answer_is_dechunked_and_framing_headers_dropped() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-kept: yes\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    async with scripted(lambda r: chunked) as server:
        transport = Http1Transport(LIMITS)
        answer = await transport.send(
            origin_of(f"http://127.0.0.1:{server.port}"), "GET", b"/a", [], b"", {}
        )
        assert answer.status == 200
        assert answer.body == b"hello world"
        assert (b"x-kept", b"yes") in answer.headers
        assert all(k.lower() != b"transfer-encoding" for k, _ in answer.headers)
        await transport.aclose()


async def test_a_get_on_a_connection_the_server_dropped_is_retried_once() -> None:
    # The server closes each connection when the second request arrives, without answering:
    # what a client sees when a keep-alive timeout races with its next request.
    async with scripted(lambda r: ok() if r.number == 1 else None) as server:
        transport = Http1Transport(LIMITS)
        origin = origin_of(f"http://127.0.0.1:{server.port}")
        for _ in range(3):
            answer = await transport.send(origin, "GET", b"/a", [], b"", {})
            assert answer.status == 200
        assert len(server.received) == 5  # 3 answered + 2 dropped and retried
        await transport.aclose()


async def test_a_post_on_a_dropped_connection_is_not_resent() -> None:
    async with scripted(lambda r: ok() if r.number == 1 else None) as server:
        transport = Http1Transport(LIMITS)
        origin = origin_of(f"http://127.0.0.1:{server.port}")
        await transport.send(origin, "POST", b"/pay", [], b"{}", {})
        with pytest.raises(httpx.RemoteProtocolError):
            await transport.send(origin, "POST", b"/pay", [], b"{}", {})
        assert len(server.received) == 2  # the second payment went out once, never twice
        await transport.aclose()


async def test_a_slow_server_gives_read_timeout_and_its_connection_is_dropped() -> None:
    async def never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    listener = await asyncio.start_server(never_answers, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    transport = Http1Transport(LIMITS)
    try:
        with pytest.raises(httpx.ReadTimeout):
            await transport.send(
                origin_of(f"http://127.0.0.1:{port}"), "GET", b"/", [], b"", {"read": 0.2}
            )
        assert not transport._idle.get(("http", "127.0.0.1", port))
    finally:
        listener.close()
        await transport.aclose()


async def test_nothing_listening_gives_connect_error() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    async with httpx.AsyncClient(transport=Http1Transport(LIMITS)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")


async def test_head_answer_ends_at_its_headers() -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n"
    async with scripted(lambda r: head) as server:
        async with httpx.AsyncClient(transport=Http1Transport(LIMITS)) as client:
            response = await asyncio.wait_for(
                client.head(f"http://127.0.0.1:{server.port}/"), timeout=5
            )
        assert response.status_code == 200
        assert response.content == b""


async def test_an_unframed_answer_runs_until_the_server_closes() -> None:
    unframed = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of it"

    async def send_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(unframed)
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(send_then_close, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    transport = Http1Transport(LIMITS)
    try:
        answer = await transport.send(
            origin_of(f"http://127.0.0.1:{port}"), "GET", b"/", [], b"", {"read": 5}
        )
        assert answer.body == b"all of it"
        assert not transport._idle.get(("http", "127.0.0.1", port))  # not reusable
    finally:
        listener.close()
        await transport.aclose()
