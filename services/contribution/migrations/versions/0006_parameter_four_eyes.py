"""Four eyes on policy parameters: a new version (a rate, the late fee, a ceiling: each moves
money or forgives it) is submitted by an admin and in force only once a finance user approves
it. The versions recorded before are in force as they were.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "contribution"


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
