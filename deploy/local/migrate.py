"""Create the database if needed and migrate every service schema to head."""

import argparse
import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from shared.data.db import asyncpg_dsn

SERVICES = ("enrollment", "contribution", "payout", "budget")
ROOT = Path(__file__).resolve().parents[2]
# Every schema and where its migrations live: the four services and the gateway's own.
SCHEMAS = {**{s: ROOT / "services" / s / "migrations" for s in SERVICES}}
SCHEMAS["gateway"] = ROOT / "gateway" / "migrations"


def alembic_config(service: str, url: str) -> Config:
    """The Alembic config of one schema's migration tree (a service or the gateway)."""
    config = Config()
    config.set_main_option("script_location", str(SCHEMAS[service]))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def ensure_database(url: str) -> None:
    """Create the database named in the URL if it does not exist."""
    dsn = asyncpg_dsn(url)
    base, _, name = dsn.rpartition("/")
    name = name.split("?")[0]
    conn = await asyncpg.connect(base + "/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def migrate_all(url: str) -> None:
    """Upgrade every service schema and the gateway's to its head revision."""
    for service in SCHEMAS:
        command.upgrade(alembic_config(service, url), "head")


def main() -> None:
    """Command line: migrate the database at PENSION_DATABASE_URL (or --url)."""
    from shared.settings import PlatformSettings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=PlatformSettings().database_url)
    args = parser.parse_args()
    asyncio.run(ensure_database(args.url))
    migrate_all(args.url)
    print(f"migrated {', '.join(SCHEMAS)}")


if __name__ == "__main__":
    main()
