"""uvicorn's httptools protocol, sending each response's head and body in one write.

uvicorn writes the status line and headers as soon as the app starts its response, and the
body separately. On loopback under load each write is a system call that wakes the peer,
so a small JSON answer costs two. This protocol gathers what is written and sends it when the
response is complete, or at the end of the event loop's turn for a streamed one: one write
for a small response, and no change in ordering or flow control for large ones.
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """A transport wrapper whose writes in one loop turn leave as one send."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes) -> None:
        """Queue data; the first write of a turn schedules the flush."""
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        """Send what was queued."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        """Send what is queued, then close."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol on a CoalescingTransport (pass as uvicorn's --http class)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Wrap the transport before uvicorn keeps it."""
        self._coalescing = CoalescingTransport(transport)
        super().connection_made(self._coalescing)  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        """A finished response leaves at once rather than at the end of the loop turn."""
        self._coalescing.flush()
        super().on_response_complete()
