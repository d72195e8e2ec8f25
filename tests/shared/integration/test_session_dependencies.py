"""The request dependencies that own the transaction, and the audit log, on a real database."""

import asyncio
from contextlib import asynccontextmanager
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, UploadFile
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.data.money import Money
from shared.data.work import Work
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.problems import ProblemError
from shared.service_app import create_service_app
from shared.settings import PlatformSettings
from tests.conftest import auth_headers, running_app

pytestmark = pytest.mark.asyncio(loop_scope="session")
SCHEMA = "payout"  # a service schema that has the audit log; the test adds its own table


class PaymentIn(BaseModel):
    amount: Money
    note: str


def probe_router() -> APIRouter:
    """Routes written the way every service writes them: parse → service → return."""
    router = APIRouter(prefix="/v1/payout/probe")

    async def pay(work: Work, body: PaymentIn) -> dict:
        row = await work.session.exec(
            text("INSERT INTO payout.probe_effect (note) VALUES (:n) RETURNING id"),
            params={"n": f"{body.amount} {body.note}"},
        )
        effect_id = row.scalar_one()
        await work.audit("probe.paid", "probe", effect_id, detail={"amount": body.amount})
        if body.note == "refuse":
            raise ProblemError(409, "probe_refused", "Refused after the write.")
        await asyncio.sleep(0.1)  # widen the window for the concurrent retry
        return {"id": effect_id, "amount": body.amount}

    @router.post("", status_code=201, dependencies=[KEY_REQUIRED])
    async def create(
        body: PaymentIn,
        write: Write,
        _: Annotated[Principal, Depends(require_roles("finance"))],
    ):
        return await write.answer(pay(write, body))

    @router.post("/plain", status_code=201)
    async def create_plain(
        body: PaymentIn,
        write: Write,
        _: Annotated[Principal, Depends(require_roles("finance"))],
    ) -> dict:
        return await pay(write, body)

    @router.post("/upload", status_code=201, dependencies=[KEY_REQUIRED])
    async def upload(
        file: UploadFile,
        write: Write,
        _: Annotated[Principal, Depends(require_roles("finance"))],
    ):
        async def store() -> dict:
            content = await file.read()
            row = await write.session.exec(
                text("INSERT INTO payout.probe_effect (note) VALUES (:n) RETURNING id"),
                params={"n": content.decode()},
            )
            return {"id": row.scalar_one(), "size": len(content)}

        return await write.answer(store())

    @router.get("")
    async def count(read: Read, _: Annotated[Principal, Depends(require_roles("finance"))]) -> dict:
        session = read.session
        xids = [(await session.exec(text("SELECT txid_current()"))).scalar_one() for _ in "ab"]
        total = (await session.exec(text("SELECT count(*) FROM payout.probe_effect"))).scalar_one()
        return {"count": total, "in_transaction": xids[0] == xids[1]}

    return router


def probe_app(platform: PlatformSettings) -> FastAPI:
    """A service app with the probe routes and a background resource."""
    entered: list[str] = []

    @asynccontextmanager
    async def resource(app: FastAPI):
        async with app.state.sessions() as session, session.begin():
            await session.exec(
                text("CREATE TABLE IF NOT EXISTS payout.probe_effect (id serial, note text)")
            )
        entered.append("up")
        yield
        entered.append("down")

    app = create_service_app(
        name="payout",
        version="t",
        routers=[probe_router()],
        resources=[resource],
        platform=platform,
    )
    app.state.entered = entered
    return app


async def test_write_commits_read_sees_idempotent_replays(platform: PlatformSettings) -> None:
    app = probe_app(platform)
    finance = auth_headers(platform, "finance", subject="fin-1")
    async with running_app(app) as client:
        assert app.state.entered == ["up"]
        body = {"amount": "12.30", "note": "a"}
        first = await client.post(
            "/v1/payout/probe", json=body, headers=finance | {"Idempotency-Key": "key-00000001"}
        )
        assert first.status_code == 201, first.text
        again = await client.post(
            "/v1/payout/probe", json=body, headers=finance | {"Idempotency-Key": "key-00000001"}
        )
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json() == {"id": 1, "amount": "12.30"}
        other = await client.post(
            "/v1/payout/probe",
            json={"amount": "1.00", "note": "a"},
            headers=finance | {"Idempotency-Key": "key-00000001"},
        )
        assert other.status_code == 422
        assert other.json()["code"] == "idempotency_key_reused"
        read = await client.get("/v1/payout/probe", headers=finance)
        # Autocommit: each statement is its own transaction, with its own transaction id.
        assert read.json() == {"count": 1, "in_transaction": False}
    assert app.state.entered == ["up", "down"]


async def test_concurrent_retries_have_one_effect(platform: PlatformSettings) -> None:
    app = probe_app(platform)
    finance = auth_headers(platform, "finance", subject="fin-1")
    async with running_app(app) as client:
        headers = finance | {"Idempotency-Key": "key-concurrent"}
        answers = await asyncio.gather(
            *[
                client.post(
                    "/v1/payout/probe", json={"amount": "5.00", "note": "c"}, headers=headers
                )
                for _ in range(4)
            ]
        )
        assert {a.status_code for a in answers} == {201}
        assert len({a.json()["id"] for a in answers}) == 1
        assert (await client.get("/v1/payout/probe", headers=finance)).json()["count"] == 1


async def test_refusal_rolls_back_change_and_audit(platform: PlatformSettings) -> None:
    app = probe_app(platform)
    finance = auth_headers(platform, "finance", subject="fin-1")
    auditor = auth_headers(platform, "auditor", subject="aud-1")
    async with running_app(app) as client:
        refused = await client.post(
            "/v1/payout/probe/plain", json={"amount": "1.00", "note": "refuse"}, headers=finance
        )
        assert refused.status_code == 409
        assert (await client.get("/v1/payout/probe", headers=finance)).json()["count"] == 0
        done = await client.post(
            "/v1/payout/probe/plain", json={"amount": "2.50", "note": "ok"}, headers=finance
        )
        assert done.status_code == 201
        log = await client.get("/v1/payout/audit-log?object_type=probe", headers=auditor)
        assert log.status_code == 200
        page = log.json()
        assert page["total"] == 1
        entry = page["items"][0]
        assert (entry["actor"], entry["roles"], entry["action"]) == (
            "fin-1",
            ["finance"],
            "probe.paid",
        )
        assert entry["detail"] == {"amount": "2.50"}
        assert (await client.get("/v1/payout/audit-log", headers=finance)).status_code == 403
        # The log cannot be rewritten, not even by a statement that bypasses the services.
        async with app.state.sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.exec(text("UPDATE payout.audit_log SET actor = 'someone-else'"))


async def test_uploads_are_idempotent_by_content(platform: PlatformSettings) -> None:
    app = probe_app(platform)
    finance = auth_headers(platform, "finance", subject="fin-1")
    key = {"Idempotency-Key": "upload-00000001"}
    async with running_app(app) as client:
        files = {"file": ("a.csv", b"line-1", "text/csv")}
        first = await client.post("/v1/payout/probe/upload", files=files, headers=finance | key)
        assert first.status_code == 201, first.text
        again = await client.post("/v1/payout/probe/upload", files=files, headers=finance | key)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json() == {"id": 1, "size": 6}
        other = {"file": ("a.csv", b"line-2", "text/csv")}
        refused = await client.post("/v1/payout/probe/upload", files=other, headers=finance | key)
        assert refused.json()["code"] == "idempotency_key_reused"
        assert (await client.get("/v1/payout/probe", headers=finance)).json()["count"] == 1
