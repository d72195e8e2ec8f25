"""Survivors of a survivor pension are certified alive like retirees (issue #18, item 12).

- subsidy_entitlement.survivor_certified_on: the survivor's last survival certification
  (the request date for the pensions recorded before); a quarter beginning after it plus
  the certification period and grace is not paid until the survivor is certified again.
- survivor_recertified_on, survivor_recertified_by: a certification after such a lapse,
  waiting for a second person before the quarters missed are paid.

Revision ID: 0033_h18_survivor_certification
Revises: 0032_h18_recovery_tax
"""

from alembic import op

revision = "0033_h18_survivor_certification"
down_revision = "0032_h18_recovery_tax"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE {S}.subsidy_entitlement ADD COLUMN survivor_certified_on date, "
        "ADD COLUMN survivor_recertified_on date, ADD COLUMN survivor_recertified_by text"
    )
    op.execute(
        f"UPDATE {S}.subsidy_entitlement SET survivor_certified_on = created_at::date "
        "WHERE survivor_citizen_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute(
        f"ALTER TABLE {S}.subsidy_entitlement DROP COLUMN survivor_certified_on, "
        "DROP COLUMN survivor_recertified_on, DROP COLUMN survivor_recertified_by"
    )
