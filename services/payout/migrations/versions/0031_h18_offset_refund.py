"""What an offset withheld for a case later void (its line failed) goes back to the estate.

- offset_deduction.refund_one_off_id: the death-benefit payment (source `offset_refund`)
  that gave the deduction back; null while not given back, and for every deduction of a
  case that stands.

Revision ID: 0031_h18_offset_refund
Revises: 0030_certification_resumption
"""

from alembic import op

revision = "0031_h18_offset_refund"
down_revision = "0030_certification_resumption"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.offset_deduction ADD COLUMN refund_one_off_id uuid")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.offset_deduction DROP COLUMN refund_one_off_id")
