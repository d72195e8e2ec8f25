"""Offsets deduct from later payments (issue #18, item 6).

- payment.offset_amount: what an approved offset withholds from the line (the bank gets
  amount − offset_amount); 0 for every line made before.
- offset_deduction: each part of a recovery case withheld from a line.
- parameter `offset_deduction`: the most of a pension line an offset may withhold.

Revision ID: 0028_offsets
Revises: 0027_failed_lines
"""

import json

import sqlalchemy as sa
from alembic import op

from services.payout.parameters.defaults import OFFSET_DEDUCTION

revision = "0028_offsets"
down_revision = "0027_failed_lines"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE {S}.payment ADD COLUMN offset_amount numeric(14, 2) NOT NULL DEFAULT 0"
    )
    op.execute(
        f"""CREATE TABLE {S}.offset_deduction (
            id uuid PRIMARY KEY,
            recovery_id uuid NOT NULL,
            payment_id uuid NOT NULL,
            person_id uuid NOT NULL,
            amount numeric(14, 2) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT offset_deduction_once UNIQUE (recovery_id, payment_id))"""
    )
    op.execute(f"CREATE INDEX offset_deduction_payment ON {S}.offset_deduction (payment_id)")
    op.execute(
        sa.text(
            f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
            "VALUES ('offset_deduction', DATE '2014-10-01', CAST(:value AS jsonb), :note, "
            "'migration')"
        ).bindparams(
            value=json.dumps(OFFSET_DEDUCTION), note="demo: 抵扣占月养老金的最高比例 (check)"
        )
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM {S}.parameter WHERE name = 'offset_deduction'")
    op.execute(f"DROP TABLE {S}.offset_deduction")
    op.execute(f"ALTER TABLE {S}.payment DROP COLUMN offset_amount")
