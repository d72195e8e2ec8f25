"""A retiree's determinations: read, executed, fetched."""

from sqlalchemy import text

from shared.data.db import make_engine
from tests.conftest import auth_headers


async def execute(platform, sql: str) -> None:
    """Change the test's database directly (committed)."""
    engine = make_engine(platform.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def get(client, platform, path: str, **params) -> dict | list:
    r = await client.get(path, params=params, headers=auth_headers(platform, "auditor"))
    assert r.status_code == 200, r.text
    return r.json()


async def determinations(client, platform, person: str) -> list[dict]:
    page = await get(client, platform, f"/v1/payout/retirees/{person}/determinations")
    return page["items"]
