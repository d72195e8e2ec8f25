"""Where the outbound push of the change feeds stands (shared/http/change_push.py): per
configured endpoint, the last change it acknowledged and how the latest attempts went."""

from collections.abc import Callable
from functools import cache

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, Table, Text, text

Execute = Callable[[str], object]


@cache
def push_position_table(schema: str) -> Table:
    """The push position table (shape of create_push_position_v1)."""
    return Table(
        "push_position",
        MetaData(schema=schema),
        Column("endpoint", Text, primary_key=True),
        Column("last_seq", BigInteger, nullable=False, server_default=text("0")),
        Column("last_attempt_at", DateTime(timezone=True)),
        Column("last_delivered_at", DateTime(timezone=True)),
        Column("last_error", Text),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
    )


def create_push_position_v1(execute: Execute, schema: str) -> None:
    """Frozen DDL: the push position table, and the change log's index in commit order across
    domains (the push reads every domain's changes in one stream)."""
    q = f'"{schema}"'
    execute(f"""
        CREATE TABLE {q}.push_position (
            endpoint text PRIMARY KEY,
            last_seq bigint NOT NULL DEFAULT 0,
            last_attempt_at timestamptz,
            last_delivered_at timestamptz,
            last_error text,
            attempts integer NOT NULL DEFAULT 0
        )""")
    execute(
        f"CREATE UNIQUE INDEX change_log_position ON {q}.change_log (position) "
        "WHERE position IS NOT NULL"
    )
