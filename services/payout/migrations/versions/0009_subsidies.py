"""Local subsidy entitlements per retiree and program.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.subsidy_entitlement (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            program varchar NOT NULL,
            from_quarter date NOT NULL,
            to_quarter date,
            quarterly_amount numeric(14, 2),
            created_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT subsidy_entitlement_once UNIQUE (person_id, program, from_quarter)
        )""")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.subsidy_entitlement")
