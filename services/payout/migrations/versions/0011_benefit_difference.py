"""Recalculation differences (back pay or recovery for months already paid); a back-pay
payment sits beside the month's regular payment, so payment_once leaves it out.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.benefit_difference (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            determination_id uuid NOT NULL,
            program varchar NOT NULL,
            month date NOT NULL,
            settled numeric(14, 2) NOT NULL,
            due numeric(14, 2) NOT NULL,
            amount numeric(14, 2) NOT NULL,
            kind varchar NOT NULL,
            status varchar NOT NULL,
            created_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT benefit_difference_once UNIQUE (determination_id, program, month)
        )""")
    op.execute(
        f"CREATE INDEX benefit_difference_person ON {S}.benefit_difference (person_id, month)"
    )
    op.execute(
        f"CREATE INDEX benefit_difference_pending ON {S}.benefit_difference (status) "
        "WHERE status = 'pending'"
    )
    op.execute(f"ALTER TABLE {S}.payment ADD COLUMN difference_id uuid")
    # The annuity balance as a column: the payroll reads it per retiree and month.
    op.execute(
        f"ALTER TABLE {S}.determination ADD COLUMN annuity_balance numeric(14, 2) "
        "GENERATED ALWAYS AS (CAST(inputs->>'annuity_balance' AS numeric(14, 2))) STORED"
    )
    op.execute(f"DROP INDEX {S}.payment_once")
    op.execute(
        f"CREATE UNIQUE INDEX payment_once ON {S}.payment (person_id, program, period) "
        "WHERE status <> 'reissued' AND difference_id IS NULL"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.payment_once")
    op.execute(f"DELETE FROM {S}.payment WHERE difference_id IS NOT NULL")
    op.execute(
        f"CREATE UNIQUE INDEX payment_once ON {S}.payment (person_id, program, period) "
        "WHERE status <> 'reissued'"
    )
    op.execute(f"ALTER TABLE {S}.payment DROP COLUMN difference_id")
    op.execute(f"ALTER TABLE {S}.determination DROP COLUMN annuity_balance")
    op.execute(f"DROP TABLE {S}.benefit_difference")
