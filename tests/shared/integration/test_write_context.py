"""The one write context (`Write`) and the one read context (`Read`) every route uses, on a
real database: the change, its audit entry and the idempotency claim commit together or not at
all; the audit entry names the caller, their roles and the request id; a route that requires a
key refuses a POST without one; reads reach the session and the lean connection."""

from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import text

from shared.data.db import asyncpg_dsn, make_engine, make_session_factory
from shared.data.work import SYSTEM, unit_of_work
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.errors import install_problem_handlers
from shared.http.observability import install_observability
from shared.problems import ProblemError
from shared.settings import PlatformSettings
from tests.conftest import auth_headers
from tests.shared.integration.helpers import TEST_SCHEMA, create_test_schema

pytestmark = pytest.mark.asyncio(loop_scope="session")
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]


def notes_app(platform: PlatformSettings) -> FastAPI:
    """Routes written the one way services/README.md shows."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(platform.database_url)
        await create_test_schema(engine)
        app.state.platform = platform
        app.state.sessions = make_session_factory(engine)
        app.state.read_sessions = make_session_factory(engine)
        app.state.read_pool = await asyncpg.create_pool(asyncpg_dsn(platform.database_url))
        app.state.schema = TEST_SCHEMA
        yield
        await app.state.read_pool.close()
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    install_problem_handlers(app)
    install_observability(app, "test")

    async def add_note(write: Write, note: str) -> dict:
        await write.session.exec(
            text(f"INSERT INTO {TEST_SCHEMA}.effect (note) VALUES (:n)"), params={"n": note}
        )
        await write.audit("note.added", "note", note, detail={"length": len(note)})
        if note == "refuse":  # after the write and the audit entry: both must roll back
            raise ProblemError(409, "conflict")
        return {"note": note}

    @app.post("/notes", dependencies=[KEY_REQUIRED])
    async def create(note: str, write: Write, _: Clerk):
        return await write.answer(add_note(write, note))

    @app.post("/notes/loose")
    async def create_without_key(note: str, write: Write, _: Clerk):
        return await write.answer(add_note(write, note), status=200)

    @app.get("/notes")
    async def notes(read: Read, _: Clerk) -> dict:
        rows = await read.session.exec(text(f"SELECT note FROM {TEST_SCHEMA}.effect"))
        count = await (await read.connection()).fetchval(
            f"SELECT count(*) FROM {TEST_SCHEMA}.effect"
        )
        return {"notes": sorted(r[0] for r in rows), "count": count}

    return app


@asynccontextmanager
async def client_of(app: FastAPI):
    """An in-process client that adds no Idempotency-Key of its own."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def audit_rows(platform: PlatformSettings) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    try:
        return await conn.fetch(
            f"SELECT actor, roles, action, object_id, request_id, detail"
            f" FROM {TEST_SCHEMA}.audit_log ORDER BY id"
        )
    finally:
        await conn.close()


async def test_the_change_and_its_audit_entry_commit_together(platform) -> None:
    async with client_of(notes_app(platform)) as client:
        headers = auth_headers(platform, "clerk", subject="clerk-li")
        first = await client.post(
            "/notes",
            params={"note": "hello"},
            headers=headers | {"Idempotency-Key": "note-0001-abcdef", "X-Request-Id": "req-1"},
        )
        again = await client.post(
            "/notes",
            params={"note": "hello"},
            headers=headers | {"Idempotency-Key": "note-0001-abcdef"},
        )
        refused = await client.post(
            "/notes",
            params={"note": "refuse"},
            headers=headers | {"Idempotency-Key": "note-0002-abcdef"},
        )
        no_key = await client.post("/notes", params={"note": "nokey"}, headers=headers)
        loose = await client.post("/notes/loose", params={"note": "loose"}, headers=headers)
        listed = await client.get("/notes", headers=headers)

    assert first.status_code == 201 and first.json() == {"note": "hello"}
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert refused.status_code == 409
    assert no_key.status_code == 428
    assert no_key.json()["code"] == "idempotency_key_required"
    assert loose.status_code == 200
    assert listed.json() == {"notes": ["hello", "loose"], "count": 2}
    rows = await audit_rows(platform)
    assert [(r["actor"], r["action"], r["object_id"]) for r in rows] == [
        ("clerk-li", "note.added", "hello"),
        ("clerk-li", "note.added", "loose"),
    ]
    assert rows[0]["roles"] == ["clerk"]
    assert rows[0]["request_id"] == "req-1"


async def test_background_work_audits_as_the_system(platform) -> None:
    engine = make_engine(platform.database_url)
    await create_test_schema(engine)
    try:
        async with unit_of_work(make_session_factory(engine), TEST_SCHEMA) as work:
            await work.audit("sweep.done", "sweep", "2020-01", detail={"rows": 3})
        with pytest.raises(RuntimeError):
            async with unit_of_work(make_session_factory(engine), TEST_SCHEMA) as work:
                await work.audit("sweep.done", "sweep", "2020-02")
                raise RuntimeError("the block failed: nothing of it stays")
    finally:
        await engine.dispose()
    rows = await audit_rows(platform)
    assert [(r["actor"], r["roles"], r["object_id"]) for r in rows] == [
        (SYSTEM.subject, [], "2020-01")
    ]
