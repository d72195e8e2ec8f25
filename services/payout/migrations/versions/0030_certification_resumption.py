"""Four eyes on a certification that resumes a suspended retiree (issue #17).

A certification of a suspended retiree makes the months withheld payable: it is recorded by
one clerk and resumes payment only once a second person (clerk or finance) approves it.
`resumption` is NULL on a certification that resumes nothing (and on every earlier one).

Revision ID: 0030_certification_resumption
Revises: 0029_parameter_approval
"""

from alembic import op

revision = "0030_certification_resumption"
down_revision = "0029_parameter_approval"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE {S}.certification
            ADD COLUMN resumption text,
            ADD COLUMN decided_by text,
            ADD COLUMN decided_at timestamptz,
            ADD COLUMN decision_note text,
            ADD CONSTRAINT certification_resumption_check
                CHECK (resumption IN ('pending', 'approved', 'rejected')),
            ADD CONSTRAINT certification_decided_by_check
                CHECK (decided_by IS NULL OR decided_by <> recorded_by)""")
    op.execute(
        f"CREATE INDEX certification_pending ON {S}.certification (created_at) "
        "WHERE resumption = 'pending'"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.certification_pending")
    op.execute(f"""
        ALTER TABLE {S}.certification
            DROP CONSTRAINT certification_decided_by_check,
            DROP CONSTRAINT certification_resumption_check,
            DROP COLUMN decision_note,
            DROP COLUMN decided_at,
            DROP COLUMN decided_by,
            DROP COLUMN resumption""")
