"""A service stand-in whose answer streams without a length, capped as a service in edge mode
caps its answers (shared/http/answer_cap.py): run under uvicorn behind the edge's nginx by
tests/e2e/test_edge_parity.py, as the budget upstream."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from shared.http.answer_cap import AnswerCap

CAP = 4096


async def stream(request: Request) -> StreamingResponse:
    """n bytes in chunks of 1,000, without a length (chunked)."""
    n = int(request.query_params["n"])

    async def chunks():
        for start in range(0, n, 1000):
            yield b"s" * min(1000, n - start)

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def health(request: Request) -> JSONResponse:
    """Always ok (outside the cap's prefix)."""
    return JSONResponse({"status": "ok"})


routes = [Route("/v1/budget/stream", stream), Route("/health", health)]
app = AnswerCap(Starlette(routes=routes), "/v1/budget", CAP)
