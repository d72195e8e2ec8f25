"""The contribution base of the month on contribution postings (for the rights record).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE enrollment.posting ADD COLUMN contribution_base numeric(14, 2)")


def downgrade() -> None:
    op.execute("ALTER TABLE enrollment.posting DROP COLUMN contribution_base")
