"""Survival certifications; the retiree's latest one, residence and date of death.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        ALTER TABLE {S}.retiree
            ADD COLUMN last_certified_on date,
            ADD COLUMN out_of_province boolean NOT NULL DEFAULT false,
            ADD COLUMN died_on date""")
    op.execute(f"""
        CREATE TABLE {S}.certification (
            id uuid PRIMARY KEY,
            person_id uuid NOT NULL,
            method varchar NOT NULL,
            certified_on date NOT NULL,
            out_of_province boolean NOT NULL,
            note varchar,
            recorded_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"CREATE INDEX certification_person ON {S}.certification (person_id, certified_on)")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.certification")
    op.execute(f"""
        ALTER TABLE {S}.retiree DROP COLUMN last_certified_on, DROP COLUMN out_of_province,
            DROP COLUMN died_on""")
