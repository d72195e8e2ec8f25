"""Determinations paid before their inputs are final (预发, issue #18 item 15).

- determination.provisional: paid like any approved one, listed until a final one (a
  correction or a re-derivation) settles it by back pay or recovery.

Revision ID: 0026_determination_lifecycle
Revises: 0025_subsidy_prorate
"""

from alembic import op

revision = "0026_determination_lifecycle"
down_revision = "0025_subsidy_prorate"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE {S}.determination ADD COLUMN provisional boolean NOT NULL DEFAULT false"
    )


def downgrade() -> None:
    op.execute(f"ALTER TABLE {S}.determination DROP COLUMN provisional")
