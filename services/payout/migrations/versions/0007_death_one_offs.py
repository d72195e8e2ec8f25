"""Overpayment recoveries, death benefits, one-off payments waiting for a run.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.recovery (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            payment_id uuid NOT NULL CONSTRAINT recovery_payment UNIQUE,
            program varchar NOT NULL,
            period date NOT NULL,
            amount numeric(14, 2) NOT NULL,
            status varchar NOT NULL,
            method varchar,
            created_at timestamptz NOT NULL DEFAULT now(),
            resolved_by varchar,
            resolved_at timestamptz
        )""")
    op.execute(f"CREATE INDEX recovery_person ON {S}.recovery (person_id)")
    op.execute(f"""
        CREATE TABLE {S}.death_benefit (
            person_id uuid PRIMARY KEY,
            died_on date NOT NULL,
            funeral_grant numeric(14, 2) NOT NULL,
            survivor_months integer NOT NULL,
            survivor_base numeric(14, 2) NOT NULL,
            survivor_amount numeric(14, 2) NOT NULL,
            basic_balance_left numeric(14, 2) NOT NULL,
            annuity_balance_left numeric(14, 2) NOT NULL,
            total numeric(14, 2) NOT NULL,
            parameter_versions jsonb NOT NULL,
            survivor_name varchar NOT NULL,
            relationship varchar NOT NULL,
            created_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"""
        CREATE TABLE {S}.one_off (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            citizen_id varchar NOT NULL,
            program varchar NOT NULL,
            period date NOT NULL,
            amount numeric(14, 2) NOT NULL,
            bank_code varchar NOT NULL,
            account_number varchar NOT NULL,
            account_name varchar NOT NULL,
            status varchar NOT NULL,
            source varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT one_off_once UNIQUE (person_id, program, period)
        )""")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.one_off, {S}.death_benefit, {S}.recovery")
