"""Roster tables and the platform tables.

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
    create_platform_tables_v1(op.execute, "contribution")
    # No foreign key to roster_unit: events of different aggregates may arrive in any order.
    op.execute("""
        CREATE TABLE contribution.roster_unit (
            id uuid PRIMARY KEY,
            credit_code varchar(18) NOT NULL UNIQUE,
            name text NOT NULL,
            funding_type text NOT NULL,
            registered_on date NOT NULL,
            source_event_id uuid NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("""
        CREATE TABLE contribution.roster_person (
            id uuid PRIMARY KEY,
            citizen_id varchar(18) NOT NULL UNIQUE,
            name text NOT NULL,
            unit_id uuid NOT NULL,
            unit_credit_code varchar(18) NOT NULL,
            staff_category text NOT NULL,
            joined_on date NOT NULL,
            status text NOT NULL DEFAULT 'active',
            source_event_id uuid NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX roster_person_unit_id ON contribution.roster_person (unit_id)")


def downgrade() -> None:
    op.execute("DROP SCHEMA contribution CASCADE")
