"""The determination in force for a retiree and month, found by one index-only probe: the
payroll looks it up for every retiree it pays (a sort per retiree before, and a heap visit).

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE INDEX determination_in_force ON {S}.determination
            (person_id, effective_from DESC, seq DESC)
            INCLUDE (id, monthly_amount, annuity_monthly, annuity_balance)
            WHERE status = 'approved'""")


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.determination_in_force")
