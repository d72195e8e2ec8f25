"""One lifespan for a module's worth of schemathesis calls into a service app."""

import asyncio
from collections import Counter
from typing import Any

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send


class ModuleLifespanApp:
    """The service app as schemathesis calls it, with its lifespan entered once.

    Schemathesis ends an ASGI app's lifespan after every test, one per operation; opening the
    pools, the bus and the consumers again for each of a hundred operations would cost more
    than the fuzzing. So the lifespan runs here, in the loop that serves the calls, from the
    first call until `close()`.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Future[None] | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.statuses: Counter[int] = Counter()  # what the app answered, for the figures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Acknowledge schemathesis' lifespan messages; serve calls with the real app."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if self._ready is None:
            self._loop = asyncio.get_running_loop()
            self._ready = self._loop.create_future()
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self._run())
        await asyncio.shield(self._ready)

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counted)

    async def _run(self) -> None:
        assert self._ready is not None and self._stop is not None
        try:
            async with self.app.router.lifespan_context(self.app):
                self._ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    async def _close(self) -> Any:
        assert self._stop is not None and self._task is not None
        self._stop.set()
        return await self._task

    def close(self) -> None:
        """Leave the app's lifespan (from the test's thread), if a call ever entered it."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=60)
