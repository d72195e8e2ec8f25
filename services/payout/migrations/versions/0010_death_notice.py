"""Deaths heard of before the retirement, applied when it arrives.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE payout.death_notice (
            person_id uuid PRIMARY KEY,
            date_of_death date NOT NULL,
            source_event_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE payout.death_notice")
