"""Create the database if needed and migrate every service schema to head.

    python -m deploy.local.migrate [--url URL] [--local]

The database is --url, else PENSION_DATABASE_URL; with --local (`make migrate`) and neither
given, the embedded server of `make up` in .data/ (started for the run if it is not up).
Safe to repeat: a schema at head is left as it is. Prints each schema's revision before and
after.
"""

import argparse
import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

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


def head_revisions() -> dict[str, str]:
    """Each schema's head revision in its migration tree (one head each: an architecture test)."""
    return {
        schema: ScriptDirectory.from_config(
            alembic_config(schema, "postgresql://unused/x")
        ).get_heads()[0]
        for schema in SCHEMAS
    }


async def current_revisions(url: str) -> dict[str, str | None]:
    """Each schema's revision in the database (None: the schema or its version table is absent)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        found: dict[str, str | None] = {}
        for schema in SCHEMAS:
            exists = await conn.fetchval("SELECT to_regclass($1)", f'"{schema}".alembic_version')
            found[schema] = (
                await conn.fetchval(f'SELECT version_num FROM "{schema}".alembic_version')
                if exists
                else None
            )
        return found
    finally:
        await conn.close()


@contextmanager
def local_database() -> Iterator[str]:
    """The URL of `make up`'s embedded server, started for the block if it is not running."""
    from deploy.local.embedded import EmbeddedPostgres, port_open
    from deploy.local.up import LocalRunSettings

    local = LocalRunSettings()
    port = local.local_postgres_port
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/pension"
    if port_open(port):  # a `make up` is running: migrate its database
        yield url
        return
    pg = EmbeddedPostgres(local.local_data_dir / "postgres", port)
    pg.start()
    try:
        yield url
    finally:
        pg.stop()


def migrate_and_report(url: str) -> dict[str, str | None]:
    """Migrate every schema to head, printing each one's revision before and after."""
    asyncio.run(ensure_database(url))
    before = asyncio.run(current_revisions(url))
    migrate_all(url)
    after = asyncio.run(current_revisions(url))
    heads = head_revisions()
    print(f"{'schema':<14}{'before':<34}{'after':<34}")
    for schema in SCHEMAS:
        note = "" if before[schema] != after[schema] else "  (unchanged)"
        print(f"{schema:<14}{before[schema] or '-':<34}{after[schema] or '-':<34}{note}")
    behind = [s for s in SCHEMAS if after[s] != heads[s]]
    if behind:
        raise RuntimeError(f"not at head after migrating: {', '.join(behind)}")
    return after


def main() -> int:
    """Command line: migrate the database at --url, PENSION_DATABASE_URL or (--local) .data/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("PENSION_DATABASE_URL") or None)
    parser.add_argument(
        "--local", action="store_true", help="no URL given: use make up's embedded server"
    )
    args = parser.parse_args()
    if args.url:
        migrate_and_report(args.url)
    elif args.local:
        with local_database() as url:
            migrate_and_report(url)
    else:
        # The platform's default URL, as every process uses when none is set.
        from shared.settings import PlatformSettings

        migrate_and_report(PlatformSettings.model_fields["database_url"].default)
    print(f"migrated {', '.join(SCHEMAS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
