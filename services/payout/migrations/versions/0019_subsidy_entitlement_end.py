"""Ends of subsidy entitlements: an entitlement is ended at a quarter (or its amount changed
from one, which ends it and opens its successor) by a new record; the entitlement itself is
never edited.

Revision ID: 0019
Revises: 0018
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.subsidy_entitlement_end (
            id uuid PRIMARY KEY,
            entitlement_id uuid NOT NULL REFERENCES {S}.subsidy_entitlement (id),
            last_quarter date NOT NULL,
            reason text NOT NULL,
            successor_id uuid REFERENCES {S}.subsidy_entitlement (id),
            ended_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT subsidy_entitlement_end_once UNIQUE (entitlement_id, last_quarter)
        )""")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.subsidy_entitlement_end")
