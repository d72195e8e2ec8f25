"""A service that fails on purpose, for the gateway's forwarding tests (run under uvicorn).

It has the services' own error handlers, so its 500 is exactly what a service answers.
"""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from shared.http.errors import install_problem_handlers

app = FastAPI()
install_problem_handlers(app)


@app.api_route("/v1/crashy/boom", methods=["GET", "POST"])
async def boom() -> None:
    """An unhandled error: a 500, after which uvicorn closes the connection."""
    raise RuntimeError("boom")


@app.api_route("/v1/crashy/echo/{rest:path}", methods=["POST", "PATCH", "PUT"])
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


@app.get("/v1/crashy/big")
async def big(n: int) -> StreamingResponse:
    """n bytes in 64 KiB chunks, without a length (chunked)."""

    async def chunks():
        left = n
        while left > 0:
            part = min(left, 65536)
            left -= part
            yield b"x" * part

    return StreamingResponse(chunks(), media_type="application/octet-stream")


@app.get("/health")
async def health() -> dict[str, str]:
    """Always ok."""
    return {"status": "ok"}
