"""Test infrastructure: embedded (or given) PostgreSQL and NATS, a migrated template database."""

import asyncio
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from deploy.local.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from deploy.local.migrate import migrate_all
from shared.data.db import asyncpg_dsn

ENV_ADMIN = "PENSION_TEST_ADMIN_URL"
ENV_TEMPLATE = "PENSION_TEST_TEMPLATE_DB"
ENV_NATS = "PENSION_TEST_NATS_URL"


@dataclass
class TestInfra:
    """Where the test servers are."""

    admin_url: str  # plain libpq URL of the maintenance database
    template: str
    nats_url: str

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL of a database on the test server."""
        base = self.admin_url.rsplit("/", 1)[0]
        return base.replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"

    @classmethod
    def from_env(cls) -> "TestInfra | None":
        """The infra a parent process started, if any."""
        if ENV_ADMIN not in os.environ:
            return None
        return cls(os.environ[ENV_ADMIN], os.environ[ENV_TEMPLATE], os.environ[ENV_NATS])

    def export(self) -> None:
        """Hand the infra to worker processes through the environment."""
        os.environ.update(
            {ENV_ADMIN: self.admin_url, ENV_TEMPLATE: self.template, ENV_NATS: self.nats_url}
        )


class InfraOwner:
    """Starts what is needed for a test run and tears it down afterwards."""

    def __init__(self) -> None:
        self.tmp: Path | None = None
        self.pg: EmbeddedPostgres | None = None
        self.nats: EmbeddedNats | None = None
        self.infra: TestInfra | None = None

    def start(self) -> TestInfra:
        """Use PENSION_DATABASE_URL / PENSION_NATS_URL if given, else embedded servers."""
        given_db = os.environ.get("PENSION_DATABASE_URL")
        given_nats = os.environ.get("PENSION_NATS_URL")
        if not (given_db and given_nats):
            self.tmp = Path(tempfile.mkdtemp(prefix="pension-test-"))
        if given_db:
            admin = asyncpg_dsn(given_db).rsplit("/", 1)[0] + "/postgres"
        else:
            assert self.tmp is not None
            self.pg = EmbeddedPostgres(self.tmp / "pg", free_port(), fast_unsafe=True)
            self.pg.start()
            admin = self.pg.admin_url
        if given_nats:
            nats_url = given_nats
        else:
            assert self.tmp is not None
            self.nats = EmbeddedNats(self.tmp / "nats", free_port())
            self.nats.start()
            nats_url = self.nats.url
        template = f"pension_template_{uuid.uuid4().hex[:8]}"
        self.infra = TestInfra(admin, template, nats_url)
        asyncio.run(_create_database(admin, template))
        migrate_all(self.infra.database_url(template))
        asyncio.run(_mark_template(admin, template))
        return self.infra

    def stop(self) -> None:
        """Drop the template, stop embedded servers, remove their files."""
        if self.infra and not self.pg:
            asyncio.run(_drop_database(self.infra.admin_url, self.infra.template, template=True))
        if self.nats:
            self.nats.stop()
        if self.pg:
            self.pg.stop()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


async def _create_database(admin_url: str, name: str, template: str | None = None) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()


async def _mark_template(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true')
    finally:
        await conn.close()


async def _drop_database(admin_url: str, name: str, template: bool = False) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        if template:
            await conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false')
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def clone_database(infra: TestInfra) -> str:
    """A fresh database cloned from the migrated template; returns its name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await _create_database(infra.admin_url, name, template=infra.template)
    return name


async def drop_database(infra: TestInfra, name: str) -> None:
    """Drop a test database, closing whatever still uses it."""
    await _drop_database(infra.admin_url, name)
