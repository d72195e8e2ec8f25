"""Login throttling slows a guesser but a stranger cannot aim it at the real owner (the admin,
a bank): the gateway in process, with callers at different addresses."""

import time

import httpx
import pytest

from tests.support.gateway_logins import ATTACKER, OFFICE, gateway, login

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def client_login(client: httpx.AsyncClient, name: str, secret: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "client_id": name, "client_secret": secret}
    return await client.post("/v1/auth/token", data=data)


async def test_an_attacker_cannot_lock_the_admin_out_but_is_slowed_himself(platform) -> None:
    async with gateway(platform) as (at, _):
        attacker = at(ATTACKER)
        statuses = [(await login(attacker, "admin", f"guess-{i}")).status_code for i in range(8)]
        assert statuses == [401] * 6 + [429] * 2  # five free, then this address waits
        locked = await login(attacker, "admin", "admin-demo")
        assert (locked.status_code, locked.json()["code"]) == (429, "login_locked")
        assert int(locked.headers["Retry-After"]) >= 1  # the right password does not help him
        real = await login(at(OFFICE), "admin", "admin-demo")
        assert real.status_code == 200, real.text


async def test_guessing_from_many_addresses_slows_but_never_refuses_the_owner(platform) -> None:
    async with gateway(platform) as (at, app):
        home = at("203.0.113.50")
        assert (await login(home, "finance", "finance-demo")).status_code == 200  # known now
        for n in range(3):  # 3 addresses × 6 failures: past the name's ten free ones
            bot = at(f"198.51.100.{10 + n}")
            for i in range(6):
                assert (await login(bot, "finance", f"guess-{n}-{i}")).status_code == 401
        pool = app.state.pool
        failures = await pool.fetchval(
            "SELECT failures FROM gateway.login_throttle WHERE key = 'user:finance'"
        )
        assert failures == 18
        started = time.monotonic()
        fresh = await login(at("203.0.113.77"), "finance", "finance-demo")
        assert fresh.status_code == 200, fresh.text  # an unknown address: slowed, not refused
        assert 0.5 <= time.monotonic() - started < 3
        started = time.monotonic()
        assert (await login(home, "finance", "finance-demo")).status_code == 200
        assert time.monotonic() - started < 0.5  # a known address is not even slowed
        started = time.monotonic()
        guess = await login(at("198.51.100.99"), "finance", "another-guess")
        assert guess.status_code == 401 and time.monotonic() - started >= 0.5  # guessing is


async def test_an_address_spraying_names_is_locked_but_not_for_a_name_it_knows(platform) -> None:
    async with gateway(platform, login_free_per_address=4) as (at, _):
        shared = at(ATTACKER)  # one NAT address: a user of it and a sprayer behind it
        assert (await login(shared, "clerk", "clerk-demo")).status_code == 200
        sprayed = [(await login(shared, f"user{i}", "123456")).status_code for i in range(6)]
        assert sprayed[:5] == [401] * 5 and sprayed[5] == 429
        assert (await login(shared, "auditor", "auditor-demo")).status_code == 429
        assert (await login(shared, "clerk", "clerk-demo")).status_code == 200
        assert (await login(at(OFFICE), "auditor", "auditor-demo")).status_code == 200


async def test_a_banks_client_id_cannot_be_locked_by_a_stranger(platform) -> None:
    async with gateway(platform) as (at, _):
        attacker = at(ATTACKER)
        wrong = [(await client_login(attacker, "bank-psbc", "x")).status_code for _ in range(10)]
        assert wrong[:6] == [401] * 6 and set(wrong[6:]) == {429}
        assert (await client_login(attacker, "bank-psbc", "bank-psbc-demo")).status_code == 429
        bank = await client_login(at(OFFICE), "bank-psbc", "bank-psbc-demo")
        assert bank.status_code == 200, bank.text
        assert bank.json()["roles"] == ["bank"]


async def test_an_allow_listed_bank_is_checked_only_from_its_network(platform) -> None:
    async with gateway(platform) as (at, app):
        attacker = at(ATTACKER)
        for _ in range(30):
            refused = await client_login(attacker, "bank-icbc", "bank-icbc-demo")
            assert refused.status_code in (401, 429)  # even the right secret: wrong network
        assert (await client_login(attacker, "bank-icbc", "bank-icbc-demo")).status_code == 429
        count = await app.state.pool.fetchval(
            "SELECT count(*) FROM gateway.login_throttle WHERE key = 'user:bank-icbc'"
        )
        assert count == 0  # the stranger's tries never count against the bank itself
        bank = await client_login(at("192.0.2.5"), "bank-icbc", "bank-icbc-demo")
        assert bank.status_code == 200, bank.text


async def test_admins_see_and_clear_a_pair(platform) -> None:
    async with gateway(platform) as (at, _):
        attacker = at(ATTACKER)
        for i in range(6):
            await login(attacker, "auditor", f"guess-{i}")
        assert (await login(attacker, "auditor", "auditor-demo")).status_code == 429
        office = at(OFFICE)
        token = (await login(office, "admin", "admin-demo")).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        keys = {x["key"]: x for x in (await office.get("/v1/auth/lockouts", headers=admin)).json()}
        pair = f"pair:auditor@{ATTACKER}"
        assert keys[pair]["locked"] and keys[pair]["failures"] == 6
        assert not keys["user:auditor"]["locked"]  # a name is slowed, never locked
        cleared = await office.delete(f"/v1/auth/lockouts/{pair}", headers=admin)
        assert cleared.status_code == 204
        assert (await login(attacker, "auditor", "auditor-demo")).status_code == 200
