"""Edge mode's shared per-caller limit and answer cap, in one process (docs/edge.md): the
counting limiter, the NATS messages it sends and reads, and the service's answer cap. The
same across processes, over real NATS and PostgreSQL: tests/e2e/test_edge_parity.py."""

import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.contracts.rate_limits import (
    KEYS_PER_MESSAGE,
    CallCounts,
    OverLimit,
    counts_messages,
    over_messages,
)
from shared.http.answer_cap import AnswerCap, AnswerTooLarge
from shared.http.rate_limit import CountingLimiter


def test_a_blocked_caller_is_refused_for_the_rest_of_the_window_and_others_are_not() -> None:
    limiter = CountingLimiter(rate=1000, burst=1000)
    assert limiter.allow("a") == 0 and limiter.allow("b") == 0
    limiter.block(["a"], 7.0)
    wait = limiter.allow("a")
    assert 6.0 < wait <= 7.0  # the Retry-After: the window's end, not the bucket's refill
    assert limiter.allow("b") == 0
    # Only calls let through are counted (the refused one is not).
    assert limiter.take_counts() == {"a": 1, "b": 2}
    assert limiter.take_counts() == {}


def test_a_block_that_ended_lets_the_caller_through_and_is_forgotten() -> None:
    limiter = CountingLimiter(rate=1000, burst=1000)
    limiter.block(["a", "b"], 1e-9)
    assert limiter.allow("a") == 0
    limiter.block(["c"], 5.0)  # forgets the ended ones
    assert set(limiter.blocked) == {"c"}


def test_the_local_bucket_still_holds_without_any_shared_state() -> None:
    """The gateway or NATS away: a caller meets the process's own burst."""
    limiter = CountingLimiter(rate=1, burst=3)
    assert [limiter.allow("a") == 0 for _ in range(4)] == [True, True, True, False]
    assert limiter.take_counts() == {"a": 3}


def test_counts_and_over_lists_are_split_into_bounded_messages_and_read_back() -> None:
    counts = {f"user-{i}": i + 1 for i in range(KEYS_PER_MESSAGE + 5)}
    payloads = list(counts_messages(counts))
    assert len(payloads) == 2
    merged: dict[str, int] = {}
    for payload in payloads:
        merged |= CallCounts.model_validate_json(payload).counts
    assert merged == counts
    over = [f"user-{i}" for i in range(KEYS_PER_MESSAGE + 1)]
    read = [OverLimit.model_validate_json(p) for p in over_messages(over, 3.5)]
    assert [s for m in read for s in m.subjects] == over and {m.seconds for m in read} == {3.5}


@pytest.mark.parametrize(
    "payload",
    [b"{}", b'{"counts": {"a": 0}}', b'{"counts": {"": 1}}', b'{"counts": {"a": "x"}}', b"junk"],
)
def test_junk_counts_are_refused_by_the_contract(payload: bytes) -> None:
    with pytest.raises(ValueError):
        CallCounts.model_validate_json(payload)


def _capped_app(limit: int) -> AnswerCap:
    async def declared(request):
        return Response(b"x" * int(request.query_params["n"]))

    async def streamed(request):
        n = int(request.query_params["n"])

        async def chunks():
            for _ in range(n // 100):
                yield b"y" * 100

        return StreamingResponse(chunks())

    async def outside(request):
        return JSONResponse({"big": "z" * 5000})

    app = Starlette(
        routes=[
            Route("/v1/svc/declared", declared),
            Route("/v1/svc/streamed", streamed),
            Route("/health", outside),
        ]
    )
    return AnswerCap(app, prefix="/v1/svc", max_bytes=limit)


async def test_an_answer_declared_over_the_cap_is_the_gateways_502() -> None:
    transport = httpx.ASGITransport(app=_capped_app(1000))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        assert (await client.get("/v1/svc/declared?n=1000")).content == b"x" * 1000
        r = await client.get("/v1/svc/declared?n=1001", headers={"Accept-Language": "en"})
        assert r.status_code == 502
        assert r.headers["content-type"] == "application/problem+json"
        assert json.loads(r.content)["code"] == "upstream_too_large"
        assert r.json()["detail"] == "The service's answer is too large to pass on."
        # Outside the service's prefix (health, metrics) nothing is capped.
        assert (await client.get("/health")).status_code == 200


async def test_an_answer_streamed_past_the_cap_is_cut() -> None:
    transport = httpx.ASGITransport(app=_capped_app(1000))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        assert len((await client.get("/v1/svc/streamed?n=1000")).content) == 1000
        # In a server the exception drops the connection (tests/e2e/test_edge_parity.py).
        with pytest.raises(AnswerTooLarge):
            await client.get("/v1/svc/streamed?n=1100")
