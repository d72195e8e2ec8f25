"""One open dead letter per handler and event.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from shared.data.platform_tables import add_platform_indexes_v2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_platform_indexes_v2(op.execute, "contribution")


def downgrade() -> None:
    op.execute('DROP INDEX "contribution".dead_letter_open_once')
