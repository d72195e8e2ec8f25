"""What payout needs for the average index I (issue #18, item 1).

- transfer.contribution_index: the average contribution index of the months a transfer in
  brought (from the origin's transfer document); NULL when it stated none.
- retirement: the sum of the monthly indices of the local indexed months, and the months
  brought in by transfers with those that had an index and the sum of their indices, so that
  payout weighs every month (the person.retired event carries them). NULL on older rows.

Revision ID: 0010_average_index_inputs
Revises: 0009_parameter_approval
"""

from alembic import op

revision = "0010_average_index_inputs"
down_revision = "0009_parameter_approval"
branch_labels = None
depends_on = None

S = "enrollment"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.transfer ADD COLUMN contribution_index numeric(8, 4)")
    op.execute(
        f"ALTER TABLE {S}.retirement ADD COLUMN index_sum numeric(12, 4), "
        "ADD COLUMN transferred_months integer, "
        "ADD COLUMN transferred_indexed_months integer, "
        "ADD COLUMN transferred_index_sum numeric(12, 4)"
    )


def downgrade() -> None:
    op.execute(
        f"ALTER TABLE {S}.retirement DROP COLUMN index_sum, DROP COLUMN transferred_months, "
        "DROP COLUMN transferred_indexed_months, DROP COLUMN transferred_index_sum"
    )
    op.execute(f"ALTER TABLE {S}.transfer DROP COLUMN contribution_index")
