"""Shared error handling: a database outage is 503 with Retry-After, values beyond what the
database holds and NUL bytes are 422, pagination bounds are in the schema."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from deploy.local.embedded import free_port
from shared.data.db import make_engine
from shared.http.errors import install_problem_handlers
from shared.http.pagination import MAX_OFFSET, Limit, Offset


class NameIn(BaseModel):
    """A name."""

    name: str


def app_on(database_url: str) -> FastAPI:
    """A small app with the shared handlers, querying the given database."""
    app = FastAPI()
    install_problem_handlers(app)
    engine = make_engine(database_url)

    @app.get("/items")
    async def items(limit: Limit = 10, offset: Offset = 0, q: str = "") -> dict:
        async with engine.connect() as conn:
            value = await conn.execute(
                text("SELECT count(*) FROM (SELECT 1 OFFSET :o LIMIT :l) s WHERE :q = :q"),
                {"o": offset, "l": limit, "q": q},
            )
            return {"count": value.scalar_one()}

    @app.get("/int4/{n}")
    async def int4(n: int) -> dict:
        async with engine.connect() as conn:
            return {
                "n": (await conn.execute(text("SELECT CAST(:n AS integer)"), {"n": n})).scalar_one()
            }

    @app.post("/names", status_code=201)
    async def names(body: NameIn) -> dict:
        async with engine.connect() as conn:
            return {"name": (await conn.execute(text("SELECT :n"), {"n": body.name})).scalar_one()}

    return app


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_on(database_url), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_a_database_outage_is_503_with_retry_after() -> None:
    dead = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    transport = httpx.ASGITransport(app=app_on(dead), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/items")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["code"] == "database_unavailable"


async def test_pagination_bounds_are_checked_and_documented(client: httpx.AsyncClient) -> None:
    assert (await client.get("/items?limit=5&offset=0")).json() == {"count": 1}
    for query in ("limit=0", "limit=501", "offset=-1", f"offset={MAX_OFFSET + 1}"):
        r = await client.get(f"/items?{query}")
        assert r.status_code == 422, query
    assert (await client.get(f"/items?offset={MAX_OFFSET}")).json() == {"count": 0}
    schema = (await client.get("/openapi.json")).json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/items"]["get"]["parameters"]}
    assert params["limit"]["maximum"] == 500 and params["offset"]["maximum"] == MAX_OFFSET


async def test_a_value_beyond_the_database_type_is_422(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/int4/{2**40}")
    assert r.status_code == 422 and r.json()["code"] == "value_out_of_range"
    assert (await client.get("/int4/7")).json() == {"n": 7}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/items?q=a%00b", None),
        ("POST", "/names", b'{"name": "a\\u0000b"}'),
    ],
)
async def test_nul_bytes_are_422(client: httpx.AsyncClient, method: str, url: str, body) -> None:
    headers = {"content-type": "application/json"}
    r = await client.request(method, url, content=body, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "nul_byte"


async def test_a_body_without_nul_passes_through_unchanged(client: httpx.AsyncClient) -> None:
    r = await client.post("/names", json={"name": "张三 100%00"})
    assert r.status_code == 201 and r.json() == {"name": "张三 100%00"}
