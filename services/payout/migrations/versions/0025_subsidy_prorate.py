"""Subsidies pro-rated where the program's standard says so (issue #18).

- subsidy_run.prorate: whether the standard a quarter was run with pro-rates a partial
  quarter (first month paid, month of death); back pay of the quarter uses it too. The
  `subsidy.<program>` parameter takes an optional `prorate` (false when absent).

Revision ID: 0025_subsidy_prorate
Revises: 0024_survivor_pension
"""

from alembic import op

revision = "0025_subsidy_prorate"
down_revision = "0024_survivor_pension"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.subsidy_run ADD COLUMN prorate boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.subsidy_run DROP COLUMN prorate")
