"""The change log behind the provincial change feeds: every change of a tracked table, in
commit order, written by a database trigger (never by hand in a handler).

Triggers copy each insert, update and delete of a tracked table into `change_log` in the
same transaction, so a change is logged exactly when it commits. Its `position` (the
feed's order) is left empty: a transaction's id order is not its commit order, and a reader
that resumed after position N must never find a change below N appear later. The sequencer
(`shared/data/change_sequencer.py`) numbers the committed rows one batch at a time under an
advisory lock, so positions appear in the order the changes became visible, without gaps.

Changes to the same record are ordered correctly inside a batch too: the trigger fires after
the record's row is written, with its row lock held, so a later writer's log row always has
the higher id.
"""

from collections.abc import Callable
from functools import cache

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    Table,
    Text,
    func,
    text,
)

Execute = Callable[[str], object]


@cache
def change_log_tables(schema: str) -> tuple[Table, Table]:
    """The change log and its counter as table objects (shape of create_change_log_v1)."""
    md = MetaData(schema=schema)
    log = Table(
        "change_log",
        md,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("position", BigInteger),
        Column("domain", Text, nullable=False),
        Column("entity", Text, nullable=False),
        Column("entity_id", Text, nullable=False),
        Column("operation", Text, nullable=False),
        Column("data", JSON, nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("change_log_unsequenced", "id", postgresql_where=text("position IS NULL")),
        Index(
            "change_log_feed",
            "domain",
            "position",
            unique=True,
            postgresql_where=text("position IS NOT NULL"),
        ),
        # Added with the push (shared/data/push_position.py): every domain in commit order.
        Index(
            "change_log_position",
            "position",
            unique=True,
            postgresql_where=text("position IS NOT NULL"),
        ),
    )
    sequence = Table(
        "change_sequence",
        md,
        Column("only_row", Boolean, primary_key=True, server_default=text("true")),
        Column("last_position", BigInteger, nullable=False),
        CheckConstraint("only_row", name="change_sequence_only_row_check"),
    )
    return log, sequence


def create_change_log_v1(execute: Execute, schema: str) -> None:
    """Frozen DDL: the change log, its sequence counter and the trigger functions."""
    q = f'"{schema}"'
    # json, not jsonb: the row is stored as the trigger renders it, which costs half of
    # building jsonb on every write; the feed converts when it reads.
    execute(f"""
        CREATE TABLE {q}.change_log (
            id bigserial PRIMARY KEY,
            position bigint,
            domain text NOT NULL,
            entity text NOT NULL,
            entity_id text NOT NULL,
            operation text NOT NULL,
            data json NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now()
        )""")
    # The sequencer's work list, and the feed's read path (one domain, from a position).
    execute(f"CREATE INDEX change_log_unsequenced ON {q}.change_log (id) WHERE position IS NULL")
    execute(
        f"CREATE UNIQUE INDEX change_log_feed ON {q}.change_log (domain, position) "
        "WHERE position IS NOT NULL"
    )
    execute(f"""
        CREATE TABLE {q}.change_sequence (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            last_position bigint NOT NULL
        )""")
    execute(f"INSERT INTO {q}.change_sequence (last_position) VALUES (0)")
    execute(f"""
        CREATE FUNCTION {q}.change_key(data json, key_columns text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE WHEN strpos(key_columns, ',') = 0 THEN data ->> key_columns
            ELSE (SELECT string_agg(data ->> part, '/')
                  FROM unnest(string_to_array(key_columns, ',')) AS part) END $$""")
    # Inserts and deletes are logged once per statement from its transition table: a bulk
    # insert (an interest run's postings) costs one INSERT ... SELECT, not one per row.
    for operation, rows in (("insert", "new_rows"), ("delete", "old_rows")):
        execute(f"""
            CREATE FUNCTION {q}.log_{operation}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {q}.change_log (domain, entity, entity_id, operation, data)
                SELECT TG_ARGV[0], TG_TABLE_NAME, {q}.change_key(r.data, TG_ARGV[1]),
                       '{operation}', r.data
                FROM (SELECT to_json(t) AS data FROM {rows} t) AS r;
                RETURN NULL;
            END $$""")
    # Updates row by row, so that one that changes nothing is not logged (WHEN below).
    execute(f"""
        CREATE FUNCTION {q}.log_update() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            data json := to_json(NEW);
        BEGIN
            INSERT INTO {q}.change_log (domain, entity, entity_id, operation, data)
            VALUES (TG_ARGV[0], TG_TABLE_NAME, {q}.change_key(data, TG_ARGV[1]), 'update', data);
            RETURN NULL;
        END $$""")


def track_changes_v1(execute: Execute, schema: str, table: str, domain: str, key: str) -> None:
    """Frozen DDL: log every change of `table` under `domain`, identified by column `key`
    (or columns, comma-separated, for a composite key)."""
    q = f'"{schema}"'
    args = f"'{domain}', '{key}'"
    execute(f"""
        CREATE TRIGGER change_log_insert AFTER INSERT ON {q}.{table}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {q}.log_insert({args})""")
    execute(f"""
        CREATE TRIGGER change_log_delete AFTER DELETE ON {q}.{table}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION {q}.log_delete({args})""")
    execute(f"""
        CREATE TRIGGER change_log_update AFTER UPDATE ON {q}.{table}
        FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
        EXECUTE FUNCTION {q}.log_update({args})""")


def backfill_changes_v1(execute: Execute, schema: str, table: str, domain: str, key: str) -> None:
    """Frozen DDL: log the rows a table holds when tracking starts, as inserts, so a province
    that reads a feed from its beginning sees every record, not only later changes."""
    q = f'"{schema}"'
    execute(f"""
        INSERT INTO {q}.change_log (domain, entity, entity_id, operation, data)
        SELECT '{domain}', '{table}', {q}.change_key(r.data, '{key}'), 'insert', r.data
        FROM (SELECT to_json(t) AS data FROM {q}.{table} t) AS r""")


def start_change_feeds_v1(
    execute: Execute, schema: str, tracked: dict[str, list[tuple[str, str]]]
) -> None:
    """Frozen DDL: the change log and, per domain, its tables (name, key) tracked from their
    current rows on."""
    create_change_log_v1(execute, schema)
    for domain, tables in tracked.items():
        for table, key in tables:
            backfill_changes_v1(execute, schema, table, domain, key)
            track_changes_v1(execute, schema, table, domain, key)
