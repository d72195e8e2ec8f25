"""Policy parameters with their demo defaults, retirees, benefit determinations.

Revision ID: 0003
Revises: audit_log_v1
"""

import json

import sqlalchemy as sa
from alembic import op

from services.payout.parameters.defaults import default_parameters

revision = "0003"
down_revision = "audit_log_v1"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.parameter (
            id serial PRIMARY KEY,
            name varchar NOT NULL,
            effective_from date NOT NULL,
            value jsonb NOT NULL,
            note varchar,
            recorded_by varchar NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"CREATE INDEX parameter_lookup ON {S}.parameter (name, effective_from, id)")
    for name, effective_from, value, note in default_parameters():
        op.execute(
            sa.text(
                f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
                "VALUES (:name, CAST(:effective_from AS date), CAST(:value AS jsonb), :note, "
                "'migration')"
            ).bindparams(
                name=name,
                effective_from=effective_from,
                value=json.dumps(value, ensure_ascii=False),
                note=note,
            )
        )
    op.execute(f"""
        CREATE TABLE {S}.retiree (
            person_id uuid PRIMARY KEY,
            citizen_id varchar(18) NOT NULL CONSTRAINT retiree_citizen_id UNIQUE,
            name varchar NOT NULL,
            sex varchar NOT NULL,
            birth_date date NOT NULL,
            unit_id uuid NOT NULL,
            unit_credit_code varchar NOT NULL,
            retired_on date NOT NULL,
            status varchar NOT NULL,
            bank_code varchar NOT NULL,
            account_number varchar NOT NULL,
            account_name varchar NOT NULL,
            retirement jsonb NOT NULL,
            source_event_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    # Append-only: a correction or a 调待 is a new row with the next seq for the person.
    op.execute(f"""
        CREATE TABLE {S}.determination (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            seq integer NOT NULL,
            kind varchar NOT NULL,
            effective_from date NOT NULL,
            status varchar NOT NULL,
            inputs jsonb NOT NULL,
            parameter_versions jsonb NOT NULL,
            months_divisor integer NOT NULL,
            basic_pension numeric(14, 2) NOT NULL,
            account_pension numeric(14, 2) NOT NULL,
            transitional_pension numeric(14, 2) NOT NULL,
            total numeric(14, 2) NOT NULL,
            comparison_adjustment numeric(14, 2) NOT NULL,
            adjustments numeric(14, 2) NOT NULL,
            monthly_amount numeric(14, 2) NOT NULL,
            annuity_monthly numeric(14, 2) NOT NULL,
            comparison jsonb,
            supersedes uuid,
            reason varchar,
            source_event_id uuid,
            created_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            checked_by varchar,
            checked_at timestamptz,
            approved_by varchar,
            approved_at timestamptz,
            CONSTRAINT determination_person_seq UNIQUE (person_id, seq),
            CONSTRAINT determination_source_event UNIQUE (source_event_id)
        )""")


def downgrade() -> None:
    for table in ("determination", "retiree", "parameter"):
        op.execute(f"DROP TABLE {S}.{table}")
