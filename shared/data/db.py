"""Async engine, sessions and the unit of work that commits once at the boundary."""

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


class RawConnection(asyncpg.Connection):
    """A bare pooled connection for the hottest reads (see shared/http/dependencies.py).

    It only ever runs single reads that change no session state, so it skips the reset
    query asyncpg otherwise sends on every release: a round trip per request (17% of a
    lookup's CPU at 50 concurrent callers). An open transaction is still ended on release.
    """

    def get_reset_query(self) -> str:
        """Nothing to reset: no SET, LISTEN, cursor or advisory lock is ever used."""
        return ""


def make_engine(url: str, *, pool_size: int = 10, application_name: str = "pension") -> AsyncEngine:
    """Create an asyncpg engine; one per process, opened in the lifespan."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": {"application_name": application_name}},
    )


def make_read_engine(
    url: str,
    *,
    pool_size: int = 10,
    application_name: str = "pension",
    connect_timeout: float | None = None,
) -> AsyncEngine:
    """An engine for reads: autocommit, no pre-ping and no reset on return.

    A GET then costs one round trip per statement: no BEGIN, no ROLLBACK, no ping. A
    connection the server closed (a restart, a promotion) is noticed on checkout without a
    round trip and replaced; one dropped while in use fails its request (answered 503).
    `connect_timeout` bounds the wait for a host that does not answer (a lost standby).
    """
    connect_args: dict = {"server_settings": {"application_name": f"{application_name}-read"}}
    if connect_timeout is not None:
        connect_args["timeout"] = connect_timeout
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_reset_on_return=None,
        isolation_level="AUTOCOMMIT",
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, record: object, proxy: object) -> None:
    """Pool checkout: a connection asyncpg knows is closed is replaced, not handed out."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("connection closed by the server")


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def asyncpg_dsn(url: str) -> str:
    """Turn a SQLAlchemy URL into a plain libpq/asyncpg DSN.

    SQLAlchemy names several hosts as `?host=h1:p1&host=h2:p2`; asyncpg reads only the last
    `host` parameter, so they move into the libpq form `user@h1:p1,h2:p2/db`.
    """
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    parts = urlsplit(dsn)
    query = parse_qsl(parts.query, keep_blank_values=True)
    hosts = [value for key, value in query if key == "host"]
    if len(hosts) < 2:
        return dsn
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    rest = urlencode([(key, value) for key, value in query if key != "host"])
    return urlunsplit((parts.scheme, user + ",".join(hosts), parts.path, rest, parts.fragment))
