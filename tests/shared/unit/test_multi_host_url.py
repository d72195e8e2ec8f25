"""Several PostgreSQL hosts in one URL: SQLAlchemy's form becomes asyncpg's."""

from sqlalchemy.ext.asyncio import create_async_engine

from shared.data.db import asyncpg_dsn

TWO_HOSTS = (
    "postgresql+asyncpg://postgres:secret@/pension"
    "?host=db-a:5432&host=db-b:5433&target_session_attrs=read-write"
)


def test_two_hosts_move_into_the_libpq_host_list() -> None:
    assert asyncpg_dsn(TWO_HOSTS) == (
        "postgresql://postgres:secret@db-a:5432,db-b:5433/pension?target_session_attrs=read-write"
    )


def test_one_host_urls_are_only_renamed() -> None:
    one = "postgresql+asyncpg://postgres@127.0.0.1:55432/pension?ssl=require"
    assert asyncpg_dsn(one) == "postgresql://postgres@127.0.0.1:55432/pension?ssl=require"


def test_sqlalchemy_passes_both_hosts_and_the_target_to_asyncpg() -> None:
    engine = create_async_engine(TWO_HOSTS)
    _, options = engine.dialect.create_connect_args(engine.url)
    assert options["host"] == ["db-a", "db-b"]
    assert options["port"] == [5432, 5433]
    assert options["target_session_attrs"] == "read-write"
