"""A minimal keep-alive HTTP/1.1 load generator (asyncio streams) that costs little CPU."""

import asyncio
import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    """What one run measured."""

    requests: int
    seconds: float
    median_ms: float
    p99_ms: float
    errors: int

    @property
    def throughput(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds


async def _worker(
    host: str,
    port: int,
    requests: list[bytes],
    first: int,
    stop_at: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sent = first
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(requests[sent % len(requests)])
            sent += 1
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(1)
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    path: str | list[str],
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
) -> LoadResult:
    """GET a path (or rotate over several) with `concurrency` keep-alive connections."""
    paths = [path] if isinstance(path, str) else path
    header_lines = [f"Host: {host}:{port}"] + [f"{k}: {v}" for k, v in headers.items()]
    requests = [
        ("\r\n".join([f"GET {p} HTTP/1.1", *header_lines]) + "\r\n\r\n").encode() for p in paths
    ]
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    stop_at = started + seconds
    step = max(1, len(requests) // concurrency)
    await asyncio.gather(
        *(
            _worker(host, port, requests, i * step, stop_at, latencies, errors)
            for i in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        median_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[int(len(ordered) * 0.99) - 1] * 1000,
        errors=len(errors),
    )
