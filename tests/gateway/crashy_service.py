"""A service that fails on purpose, for the gateway's forwarding tests (run under uvicorn)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route


async def boom(request: Request) -> JSONResponse:
    """An unhandled error: uvicorn answers 500 and closes the connection."""
    raise RuntimeError("boom")


async def echo(request: Request) -> JSONResponse:
    """The body's size and the headers the gateway passed on, streamed in."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return JSONResponse(
        {
            "size": size,
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "x_request_id": request.headers.get("x-request-id"),
            "x_forwarded_for": request.headers.get("x-forwarded-for"),
        },
        status_code=201,
    )


async def big(request: Request) -> StreamingResponse:
    """n bytes in 64 KiB chunks, without a length (chunked)."""
    n = int(request.query_params["n"])

    async def chunks():
        left = n
        while left > 0:
            part = min(left, 65536)
            left -= part
            yield b"x" * part

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def health(request: Request) -> JSONResponse:
    """Always ok."""
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/v1/crashy/boom", boom, methods=["GET", "POST"]),
        Route("/v1/crashy/echo/{rest:path}", echo, methods=["POST", "PATCH", "PUT"]),
        Route("/v1/crashy/big", big),
        Route("/health", health),
    ]
)
