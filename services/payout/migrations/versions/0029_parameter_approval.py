"""Four eyes on payout's policy parameters (issue #17).

A new version of a benefit table, a subsidy program's standard, the amount bounds, the tax
tables or any other payout parameter changes what is paid: an admin submits it, and it is in
force only once a finance user other than the submitter approves it. The versions recorded
before (the migrations' defaults and earlier admin entries) are approved.

Revision ID: 0029_parameter_approval
Revises: 0028_offsets
"""

from alembic import op

revision = "0029_parameter_approval"
down_revision = "0028_offsets"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE {S}.parameter
            ADD COLUMN status text NOT NULL DEFAULT 'approved',
            ADD COLUMN decided_by text,
            ADD COLUMN decided_at timestamptz,
            ADD COLUMN decision_note text,
            ADD CONSTRAINT parameter_status_check
                CHECK (status IN ('submitted', 'approved', 'rejected')),
            ADD CONSTRAINT parameter_decided_by_check
                CHECK (decided_by IS NULL OR decided_by <> recorded_by)""")


def downgrade() -> None:
    op.execute(f"""
        ALTER TABLE {S}.parameter
            DROP CONSTRAINT parameter_decided_by_check,
            DROP CONSTRAINT parameter_status_check,
            DROP COLUMN decision_note,
            DROP COLUMN decided_at,
            DROP COLUMN decided_by,
            DROP COLUMN status""")
