"""The platform tables (business tables come with the budget issue).

Revision ID: 0001
Revises:
"""

from alembic import op

from shared.data.platform_tables import create_platform_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables_v1(op.execute, "budget")


def downgrade() -> None:
    op.execute("DROP SCHEMA budget CASCADE")
