"""Four eyes on enrollment's dated policy parameters (issue #17).

A new version of a bookkeeping interest rate, a limit, a retirement-age rule, a minimum-
contribution rule or the pooled-fund rate changes what is paid (balances, transfer-in
ceilings, deemed bounds, who may retire): an admin submits it, and it is in force only once a
finance user other than the submitter approves it. Versions recorded before are approved.

Revision ID: 0009_parameter_approval
Revises: 0008_change_requests
"""

from alembic import op

revision = "0009_parameter_approval"
down_revision = "0008_change_requests"
branch_labels = None
depends_on = None

TABLES = (
    "interest_rate",
    "policy_limit",
    "retirement_age_rule",
    "minimum_contribution_rule",
    "pooled_fund_rate",
)


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"""
            ALTER TABLE enrollment.{table}
                ADD COLUMN status text NOT NULL DEFAULT 'approved',
                ADD COLUMN decided_by text,
                ADD COLUMN decided_at timestamptz,
                ADD COLUMN decision_note text,
                ADD CONSTRAINT {table}_status_check
                    CHECK (status IN ('submitted', 'approved', 'rejected')),
                ADD CONSTRAINT {table}_decided_by_check
                    CHECK (decided_by IS NULL OR decided_by <> recorded_by)""")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"""
            ALTER TABLE enrollment.{table}
                DROP CONSTRAINT {table}_decided_by_check,
                DROP CONSTRAINT {table}_status_check,
                DROP COLUMN decision_note,
                DROP COLUMN decided_at,
                DROP COLUMN decided_by,
                DROP COLUMN status""")
