"""遗属生活补助 belongs to survivors (issue #18, item 12).

- subsidy_entitlement: the survivor a survivor pension is paid to (name, citizen id,
  relationship, account) and the condition it ends on; NULL for every other entitlement.

Revision ID: 0024_survivor_pension
Revises: 0023_survivor_shares
"""

from alembic import op

revision = "0024_survivor_pension"
down_revision = "0023_survivor_shares"
branch_labels = None
depends_on = None

S = "payout"
COLUMNS = (
    "survivor_name varchar",
    "survivor_citizen_id varchar(18)",
    "survivor_relationship varchar",
    "survivor_bank_code varchar",
    "survivor_account_number varchar",
    "end_condition text",
)


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE {S}.subsidy_entitlement " + ", ".join(f"ADD COLUMN {c}" for c in COLUMNS)
    )


def downgrade() -> None:
    op.execute(
        f"ALTER TABLE {S}.subsidy_entitlement "
        + ", ".join(f"DROP COLUMN {c.split()[0]}" for c in COLUMNS)
    )
