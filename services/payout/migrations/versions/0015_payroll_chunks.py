"""Payroll runs planned as chunks of the retiree table's blocks, worked in parallel: each
chunk is a row that a worker takes (FOR UPDATE SKIP LOCKED) and marks done in the chunk's
own transaction, so a crashed chunk is simply taken again. The run's cursor goes.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.payroll_chunk (
            run_id uuid NOT NULL,
            seq integer NOT NULL,
            first_block bigint NOT NULL,
            end_block bigint,
            state varchar NOT NULL,
            retirees integer NOT NULL DEFAULT 0,
            payments integer NOT NULL DEFAULT 0,
            done_at timestamptz,
            PRIMARY KEY (run_id, seq)
        )""")
    op.execute(f"ALTER TABLE {S}.payroll_run DROP COLUMN cursor")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.payroll_run ADD COLUMN cursor uuid")
    op.execute(f"DROP TABLE {S}.payroll_chunk")
