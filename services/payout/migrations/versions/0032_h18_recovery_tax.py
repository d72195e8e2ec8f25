"""Income tax withheld on an overpaid annuity, given back once it is recovered (issue #18).

- recovery.tax_amount: the tax withheld on the overpaid part of the month's annuity (0 for
  the basic pension and subsidies, and for every case recorded before); once the case is
  recovered, the tax report shows it given back in the month recovered.

Revision ID: 0032_h18_recovery_tax
Revises: 0031_h18_offset_refund
"""

from alembic import op

revision = "0032_h18_recovery_tax"
down_revision = "0031_h18_offset_refund"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.recovery ADD COLUMN tax_amount numeric(14, 2) NOT NULL DEFAULT 0")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.recovery DROP COLUMN tax_amount")
