"""Idempotency keys and bank signature replay protection, on a real database."""

import asyncio
import time
from datetime import date
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from shared.data.db import make_engine, make_session_factory
from shared.data.money import Money
from shared.data.work import unit_of_work
from shared.http.auth import Principal, require_roles
from shared.http.bank_signature import sign, sign_v1, verify_bank_request
from shared.http.dependencies import KEY_REQUIRED, Write
from shared.http.errors import install_problem_handlers
from shared.settings import PlatformSettings
from tests.conftest import auth_headers, running_app
from tests.shared.integration.helpers import TEST_SCHEMA, create_test_schema

pytestmark = pytest.mark.asyncio(loop_scope="session")
SECRETS = {"psbc": ["psbc-secret"]}


class PaymentIn(BaseModel):
    amount: Money
    note: str


def payment_app(platform: PlatformSettings) -> FastAPI:
    """A money-moving POST and a bank result endpoint built from the shared pieces."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(platform.database_url)
        await create_test_schema(engine)
        app.state.platform = platform
        app.state.sessions = make_session_factory(engine)
        app.state.schema = TEST_SCHEMA
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    install_problem_handlers(app)

    @app.post("/payments", status_code=201, dependencies=[KEY_REQUIRED])
    async def pay(
        body: PaymentIn,
        write: Write,
        _: Annotated[Principal, Depends(require_roles("finance"))],
    ) -> JSONResponse:
        async def action() -> dict:
            row = await write.session.exec(
                text(f"INSERT INTO {TEST_SCHEMA}.effect (note) VALUES (:n) RETURNING ctid::text"),
                params={"n": f"{body.amount} {body.note}"},
            )
            await asyncio.sleep(0.2)  # widen the window for the concurrent retry test
            return {"receipt": row.scalar_one(), "amount": body.amount}

        return await write.answer(action())

    @app.post("/bank/{bank_id}/results")
    async def results(bank_id: str, request: Request) -> dict:
        async with unit_of_work(request.app.state.sessions, TEST_SCHEMA) as work:
            who = await verify_bank_request(request, work.session, TEST_SCHEMA, SECRETS, bank_id)
        return {"accepted_from": who}

    @app.post("/bank/{bank_id}/batches/{batch}/totals")
    async def totals(bank_id: str, batch: int, request: Request) -> dict:
        async with unit_of_work(request.app.state.sessions, TEST_SCHEMA) as work:
            who = await verify_bank_request(request, work.session, TEST_SCHEMA, SECRETS, bank_id)
        return {"accepted_from": who, "batch": batch}

    return app


async def effects(client, platform) -> int:
    engine = make_engine(platform.database_url)
    async with engine.connect() as conn:
        n = (await conn.execute(text(f"SELECT count(*) FROM {TEST_SCHEMA}.effect"))).scalar_one()
    await engine.dispose()
    return n


async def test_retry_with_the_same_key_returns_the_first_answer(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        headers = auth_headers(platform, "finance", **{"Idempotency-Key": "pay-0001-abcdef"})
        body = {"amount": "100.10", "note": "first"}
        first = await client.post("/payments", json=body, headers=headers)
        again = await client.post("/payments", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert (
            again.json() == first.json() == {"receipt": first.json()["receipt"], "amount": "100.10"}
        )
        assert again.headers["Idempotent-Replayed"] == "true"
        assert await effects(client, platform) == 1


async def test_concurrent_retries_move_money_once(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        headers = auth_headers(platform, "finance", **{"Idempotency-Key": "pay-0002-abcdef"})
        body = {"amount": "5.00", "note": "burst"}
        answers = await asyncio.gather(
            *(client.post("/payments", json=body, headers=headers) for _ in range(5))
        )
        assert {a.status_code for a in answers} == {201}
        assert len({a.json()["receipt"] for a in answers}) == 1
        assert await effects(client, platform) == 1


async def test_same_key_with_another_body_is_refused_and_changes_nothing(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        headers = auth_headers(platform, "finance", **{"Idempotency-Key": "pay-0003-abcdef"})
        await client.post("/payments", json={"amount": "1.00", "note": "a"}, headers=headers)
        refused = await client.post(
            "/payments", json={"amount": "2.00", "note": "a"}, headers=headers
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "idempotency_key_reused"
        assert await effects(client, platform) == 1


async def test_float_amount_is_refused_naming_the_field(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        refused = await client.post(
            "/payments",
            json={"amount": 1.1, "note": "x"},
            headers=auth_headers(platform, "finance"),
        )
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["amount"]
        assert await effects(client, platform) == 0


def signed(
    bank: str,
    secret: str,
    body: bytes,
    ts: int | None = None,
    target: str = "/bank/psbc/results",
) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    return {
        "X-Bank-Id": bank,
        "X-Timestamp": str(ts),
        "X-Signature": sign(secret, ts, body, method="POST", target=target),
        "content-type": "application/json",
    }


async def test_bank_signature_accepted_once_and_replay_refused(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        body = b'{"lines": []}'
        headers = signed("psbc", "psbc-secret", body)
        ok = await client.post("/bank/psbc/results", content=body, headers=headers)
        assert ok.status_code == 200 and ok.json() == {"accepted_from": "psbc"}
        replay = await client.post("/bank/psbc/results", content=body, headers=headers)
        assert replay.status_code == 401
        assert replay.json()["code"] == "signature_replayed"


async def test_bank_cannot_post_to_another_banks_endpoint(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        body = b"{}"
        other = await client.post(
            "/bank/icbc/results", content=body, headers=signed("psbc", "psbc-secret", body)
        )
        assert other.status_code == 403
        assert other.json()["code"] == "bank_forbidden"
        stale = await client.post(
            "/bank/psbc/results", content=body, headers=signed("psbc", "psbc-secret", body, ts=1)
        )
        assert stale.json()["code"] == "signature_expired"


async def test_a_signature_covers_the_path_so_it_fits_no_other_batch(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        body = b'{"paid_count": 1}'
        headers = signed("psbc", "psbc-secret", body, target="/bank/psbc/batches/1/totals")
        moved = await client.post("/bank/psbc/batches/2/totals", content=body, headers=headers)
        assert (moved.status_code, moved.json()["code"]) == (401, "signature_invalid")
        queried = await client.post(
            "/bank/psbc/batches/1/totals?batch=2", content=body, headers=headers
        )
        assert (queried.status_code, queried.json()["code"]) == (401, "signature_invalid")
        meant = await client.post("/bank/psbc/batches/1/totals", content=body, headers=headers)
        assert meant.status_code == 200 and meant.json()["batch"] == 1


async def test_the_old_signature_holds_only_during_a_declared_transition(platform) -> None:
    body = b'{"lines": []}'
    ts = int(time.time())
    old = {
        "X-Bank-Id": "psbc",
        "X-Timestamp": str(ts),
        "X-Signature": sign_v1("psbc-secret", ts, body),
        "content-type": "application/json",
    }
    app = payment_app(platform)
    async with running_app(app) as client:
        refused = await client.post("/bank/psbc/results", content=body, headers=old)
        assert (refused.status_code, refused.json()["code"]) == (401, "signature_invalid")
        app.state.platform = platform.model_copy(
            update={"bank_signature_v1_until": date(2999, 1, 1)}
        )
        accepted = await client.post("/bank/psbc/results", content=body, headers=old)
        assert accepted.status_code == 200, accepted.text
        app.state.platform = platform.model_copy(
            update={"bank_signature_v1_until": date(2000, 1, 1)}
        )
        old["X-Timestamp"] = str(ts + 1)
        old["X-Signature"] = sign_v1("psbc-secret", ts + 1, body)
        late = await client.post("/bank/psbc/results", content=body, headers=old)
        assert (late.status_code, late.json()["code"]) == (401, "signature_invalid")


async def test_a_money_post_without_an_idempotency_key_is_refused_and_changes_nothing(
    platform,
) -> None:
    app = payment_app(platform)
    async with running_app(app):
        # A bare client: the harness's clients add a key to every POST that lacks one.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as bare:
            body = {"amount": "5.00", "note": "counter"}
            for _ in range(4):  # issue #17: four posts without a key were four receipts
                refused = await bare.post(
                    "/payments", json=body, headers=auth_headers(platform, "finance")
                )
                assert refused.status_code == 428
                assert refused.headers["content-type"] == "application/problem+json"
                assert refused.json()["code"] == "idempotency_key_required"
        assert await effects(None, platform) == 0


async def test_the_same_key_from_two_users_is_two_requests(platform) -> None:
    async with running_app(payment_app(platform)) as client:
        key = {"Idempotency-Key": "shared-key-0001"}
        alice = auth_headers(platform, "finance", subject="alice", **key)
        bob = auth_headers(platform, "finance", subject="bob", **key)
        first = await client.post("/payments", json={"amount": "1.00", "note": "a"}, headers=alice)
        other = await client.post("/payments", json={"amount": "2.00", "note": "b"}, headers=bob)
        assert first.status_code == other.status_code == 201
        assert "Idempotent-Replayed" not in other.headers  # bob does not get alice's answer
        assert other.json()["amount"] == "2.00" and other.json() != first.json()
        again = await client.post("/payments", json={"amount": "2.00", "note": "b"}, headers=bob)
        assert again.headers["Idempotent-Replayed"] == "true" and again.json() == other.json()
        assert await effects(client, platform) == 2
