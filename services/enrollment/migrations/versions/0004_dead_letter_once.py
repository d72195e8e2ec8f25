"""One open dead letter per handler and event.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from shared.data.platform_tables import add_platform_indexes_v2

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_platform_indexes_v2(op.execute, "enrollment")


def downgrade() -> None:
    op.execute('DROP INDEX "enrollment".dead_letter_open_once')
