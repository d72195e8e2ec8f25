"""Banks' control totals on batches; payee account changes with a second user's approval.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE {S}.batch
            ADD COLUMN bank_paid_count integer,
            ADD COLUMN bank_paid_amount numeric(14, 2),
            ADD COLUMN bank_failed_count integer,
            ADD COLUMN bank_failed_amount numeric(14, 2),
            ADD COLUMN bank_reported_at timestamptz""")
    op.execute(f"""
        CREATE TABLE {S}.account_change (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            bank_code varchar NOT NULL,
            account_number varchar NOT NULL,
            account_name varchar NOT NULL,
            reason varchar NOT NULL,
            status varchar NOT NULL,
            requested_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            decided_by varchar,
            decided_at timestamptz
        )""")
    op.execute(f"CREATE INDEX account_change_person ON {S}.account_change (person_id, created_at)")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.account_change")
    op.execute(f"""
        ALTER TABLE {S}.batch DROP COLUMN bank_paid_count, DROP COLUMN bank_paid_amount,
            DROP COLUMN bank_failed_count, DROP COLUMN bank_failed_amount,
            DROP COLUMN bank_reported_at""")
