"""Tables every service has in its own schema: outbox, processed events, dead letters, keys."""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID


@dataclass(frozen=True)
class PlatformTables:
    """The platform tables of one service schema."""

    schema: str
    outbox: Table
    processed_event: Table
    dead_letter: Table
    idempotency_key: Table
    bank_signature_seen: Table


@cache
def platform_tables(schema: str) -> PlatformTables:
    """Core table objects for a schema (shape must match create_platform_tables_v1)."""
    md = MetaData(schema=schema)
    now = func.now()
    outbox = Table(
        "outbox",
        md,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("subject", Text, nullable=False),
        # json, not jsonb: the relay sends it verbatim, and json is returned as stored.
        Column("envelope", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        Column("published_at", DateTime(timezone=True)),
        Index("outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
    )
    processed_event = Table(
        "processed_event",
        md,
        Column("handler", Text, primary_key=True),
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=now),
    )
    dead_letter = Table(
        "dead_letter",
        md,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("handler", Text, nullable=False),
        Column("event_id", UUID(as_uuid=True)),
        Column("subject", Text, nullable=False),
        Column("raw", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        Column("replayed_at", DateTime(timezone=True)),
        Column("replayed_by", Text),
        # One open dead letter per handler and event (add_platform_indexes_v2).
        Index(
            "dead_letter_open_once",
            "handler",
            "event_id",
            unique=True,
            postgresql_where=text("replayed_at IS NULL AND event_id IS NOT NULL"),
        ),
    )
    idempotency_key = Table(
        "idempotency_key",
        md,
        Column("scope", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("request_hash", Text, nullable=False),
        Column("response_status", Integer),
        Column("response_body", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
    )
    bank_signature_seen = Table(
        "bank_signature_seen",
        md,
        Column("signature", Text, primary_key=True),
        Column("bank_id", Text, nullable=False),
        Column("seen_at", DateTime(timezone=True), nullable=False, server_default=now),
    )
    return PlatformTables(
        schema, outbox, processed_event, dead_letter, idempotency_key, bank_signature_seen
    )


@cache
def inbound_message_table(schema: str) -> Table:
    """Messages received from the provincial platform (shape of create_inbound_messages_v1)."""
    return Table(
        "inbound_message",
        MetaData(schema=schema),
        Column("kind", Text, primary_key=True),
        Column("message_id", Text, primary_key=True),
        Column("fingerprint", Text, nullable=False),
        Column("outcome", JSONB),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def outbox_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel the outbox trigger signals on."""
    return f"{schema}_outbox"


def create_platform_tables_v1(execute, schema: str) -> None:
    """Frozen DDL for the platform tables; migrations call it with op.execute."""
    q = f'"{schema}"'
    execute(f"""
        CREATE TABLE {q}.outbox (
            id bigserial PRIMARY KEY,
            event_id uuid NOT NULL UNIQUE,
            subject text NOT NULL,
            envelope json NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz
        )""")
    execute(f"CREATE INDEX outbox_unpublished ON {q}.outbox (id) WHERE published_at IS NULL")
    # A statement-level trigger wakes the relay once per insert statement, not once per row.
    execute(f"""
        CREATE FUNCTION {q}.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('{outbox_channel(schema)}', ''); RETURN NULL; END $$""")
    execute(f"""
        CREATE TRIGGER outbox_notify AFTER INSERT ON {q}.outbox
        FOR EACH STATEMENT EXECUTE FUNCTION {q}.notify_outbox()""")
    execute(f"""
        CREATE TABLE {q}.processed_event (
            handler text NOT NULL,
            event_id uuid NOT NULL,
            processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (handler, event_id)
        )""")
    execute(f"""
        CREATE TABLE {q}.dead_letter (
            id bigserial PRIMARY KEY,
            handler text NOT NULL,
            event_id uuid,
            subject text NOT NULL,
            raw text NOT NULL,
            error text NOT NULL,
            attempts integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            replayed_at timestamptz,
            replayed_by text
        )""")
    execute(f"""
        CREATE TABLE {q}.idempotency_key (
            scope text NOT NULL,
            key text NOT NULL,
            request_hash text NOT NULL,
            response_status integer,
            response_body jsonb,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (scope, key)
        )""")
    execute(f"""
        CREATE TABLE {q}.bank_signature_seen (
            signature text PRIMARY KEY,
            bank_id text NOT NULL,
            seen_at timestamptz NOT NULL DEFAULT now()
        )""")


def add_platform_indexes_v2(execute, schema: str) -> None:
    """Frozen DDL, second step: one open dead letter per handler and event.

    A message redelivered after its dead letter was written (a late ack) must not be
    dead-lettered twice.
    """
    execute(
        f'CREATE UNIQUE INDEX dead_letter_open_once ON "{schema}".dead_letter '
        "(handler, event_id) WHERE replayed_at IS NULL AND event_id IS NOT NULL"
    )


def create_inbound_messages_v1(execute, schema: str) -> None:
    """Frozen DDL: messages received from the provincial platform, one row per message id,
    claimed in the item's savepoint (shared/http/inbound.py) and holding its first outcome."""
    execute(f"""
        CREATE TABLE "{schema}".inbound_message (
            kind text NOT NULL,
            message_id text NOT NULL,
            fingerprint text NOT NULL,
            outcome jsonb,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (kind, message_id)
        )""")
