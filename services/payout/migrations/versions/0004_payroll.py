"""Payroll runs, batches per bank and program, payments once per person, program and period.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE {S}.retiree
            ADD COLUMN first_month date,
            ADD COLUMN last_month date,
            ADD COLUMN paid_until date""")
    # Every run moves each retiree's paid_until: room on the page lets that be a HOT update
    # (no index touched), which halved the cost of marking a chunk paid.
    op.execute(f"ALTER TABLE {S}.retiree SET (fillfactor = 50)")
    op.execute(f"""
        CREATE TABLE {S}.payroll_run (
            id uuid PRIMARY KEY,
            period date NOT NULL,
            state varchar NOT NULL,
            total integer NOT NULL,
            done integer NOT NULL,
            payments integer NOT NULL,
            cursor uuid,
            lease_until timestamptz,
            error varchar,
            created_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz
        )""")
    op.execute(f"""
        CREATE TABLE {S}.batch (
            id uuid PRIMARY KEY,
            run_id uuid NOT NULL,
            period date NOT NULL,
            bank_code varchar NOT NULL,
            program varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT batch_run_bank_program UNIQUE (run_id, bank_code, program)
        )""")
    op.execute(f"""
        CREATE TABLE {S}.payment (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            program varchar NOT NULL,
            period date NOT NULL,
            amount numeric(14, 2) NOT NULL,
            determination_id uuid,
            run_id uuid,
            batch_id uuid NOT NULL,
            bank_code varchar NOT NULL,
            account_number varchar NOT NULL,
            account_name varchar NOT NULL,
            status varchar NOT NULL,
            reason_code varchar,
            reissue_of uuid,
            result_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    # The rule that matters most: one payment per person, program and period. A failed
    # line that was re-issued no longer counts; its replacement does.
    op.execute(
        f"CREATE UNIQUE INDEX payment_once ON {S}.payment (person_id, program, period) "
        "WHERE status <> 'reissued'"
    )
    op.execute(f"CREATE INDEX payment_batch ON {S}.payment (batch_id)")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.payment, {S}.batch, {S}.payroll_run")
    op.execute(
        f"ALTER TABLE {S}.retiree DROP COLUMN first_month, DROP COLUMN last_month, "
        "DROP COLUMN paid_until"
    )
