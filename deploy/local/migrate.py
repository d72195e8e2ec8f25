"""Create the database if needed and migrate every service schema to head.

    python -m deploy.local.migrate [--url URL] [--local] [--schema NAME ...]
    python -m deploy.local.migrate --check [--wait SECONDS] [--schema NAME ...]

The database is --url, else PENSION_DATABASE_URL; with --local (`make migrate`) and neither
given, the embedded server of `make up` in .data/ (started for the run if it is not up).
Safe to repeat, and to run twice at once: each schema is upgraded under its own advisory
lock (shared/data/migrations.py), and a schema at head is left as it is. Prints each
schema's revision before and after.

--check migrates nothing: it exits 0 once the schemas are at this release's head (or at a
revision this release does not know, i.e. a newer release migrated them), non-zero if they
are not within --wait seconds. The k8s Deployments run it as an init container, so a pod
serves only once the migration Job has brought its schema to head.
"""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Iterable, Iterator
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


def migrate_all(url: str, schemas: Iterable[str] = SCHEMAS) -> None:
    """Upgrade every service schema and the gateway's (or those named) to its head revision."""
    for service in schemas:
        command.upgrade(alembic_config(service, url), "head")


def known_revisions(schema: str) -> set[str]:
    """Every revision of one schema's migration tree in this release."""
    script = ScriptDirectory.from_config(alembic_config(schema, "postgresql://unused/x"))
    return {r.revision for r in script.walk_revisions()}


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


def migrate_and_report(url: str, schemas: Iterable[str] = SCHEMAS) -> dict[str, str | None]:
    """Migrate every schema (or those named) to head, printing each one's revision before
    and after."""
    schemas = tuple(schemas)
    asyncio.run(ensure_database(url))
    before = asyncio.run(current_revisions(url))
    migrate_all(url, schemas)
    after = asyncio.run(current_revisions(url))
    heads = head_revisions()
    print(f"{'schema':<14}{'before':<34}{'after':<34}")
    for schema in schemas:
        note = "" if before[schema] != after[schema] else "  (unchanged)"
        print(f"{schema:<14}{before[schema] or '-':<34}{after[schema] or '-':<34}{note}")
    behind = [s for s in schemas if after[s] != heads[s]]
    if behind:
        raise RuntimeError(f"not at head after migrating: {', '.join(behind)}")
    return after


async def schemas_behind(url: str, schemas: Iterable[str]) -> dict[str, str | None]:
    """The schemas not yet at this release's head, with their revision (None: absent).

    A revision this release does not know counts as ready: a newer release migrated the
    schema (migrations only expand, docs/operations.md 5), and an old pod restarting during
    a rollout must still start.
    """
    heads = head_revisions()
    try:
        found = await current_revisions(url)
    except (OSError, asyncpg.PostgresError):  # no server or no database yet: not ready
        return dict.fromkeys(schemas)
    return {
        schema: found[schema]
        for schema in schemas
        if found[schema] != heads[schema]
        and (found[schema] is None or found[schema] in known_revisions(schema))
    }


def check(url: str, schemas: Iterable[str], wait_seconds: float, poll_seconds: float = 2.0) -> int:
    """0 once every schema named is at head (within wait_seconds), else 1; prints why."""
    schemas = tuple(schemas)
    deadline = time.monotonic() + wait_seconds
    while True:
        behind = asyncio.run(schemas_behind(url, schemas))
        if not behind:
            print(f"at head: {', '.join(schemas)}")
            return 0
        if time.monotonic() >= deadline:
            listed = ", ".join(f"{s} at {rev or '-'}" for s, rev in behind.items())
            print(f"not at head: {listed}", file=sys.stderr)
            return 1
        time.sleep(poll_seconds)


def main() -> int:
    """Command line: migrate the database at --url, PENSION_DATABASE_URL or (--local) .data/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("PENSION_DATABASE_URL") or None)
    parser.add_argument(
        "--local", action="store_true", help="no URL given: use make up's embedded server"
    )
    parser.add_argument(
        "--schema", action="append", choices=list(SCHEMAS), help="only this schema (repeatable)"
    )
    parser.add_argument(
        "--check", action="store_true", help="migrate nothing: exit 0 only if at head"
    )
    parser.add_argument(
        "--wait", type=float, default=0.0, help="with --check: keep checking this many seconds"
    )
    args = parser.parse_args()
    schemas = tuple(args.schema or SCHEMAS)
    if args.check:
        from shared.settings import PlatformSettings

        default = PlatformSettings.model_fields["database_url"].default
        return check(args.url or default, schemas, args.wait)
    if args.url:
        migrate_and_report(args.url, schemas)
    elif args.local:
        with local_database() as url:
            migrate_and_report(url, schemas)
    else:
        # The platform's default URL, as every process uses when none is set.
        from shared.settings import PlatformSettings

        migrate_and_report(PlatformSettings.model_fields["database_url"].default, schemas)
    print(f"migrated {', '.join(schemas)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
