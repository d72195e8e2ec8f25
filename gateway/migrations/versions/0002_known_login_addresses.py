"""Addresses from which a name has logged in: they pass locks aimed at other addresses.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per (name, address) with a recent successful login; older rows mean nothing.
    op.execute("""
        CREATE TABLE gateway.login_known_address (
            name text NOT NULL,
            address text NOT NULL,
            last_success_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (name, address)
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE gateway.login_known_address")
