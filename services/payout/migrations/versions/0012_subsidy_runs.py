"""The quarters each subsidy program was run for, with the standard used: a retiree
suspended then is back-paid those quarters when resumed.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.subsidy_run (
            program varchar NOT NULL,
            quarter date NOT NULL,
            standard numeric(14, 2) NOT NULL,
            parameter_version integer NOT NULL,
            run_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (program, quarter)
        )""")
    # Quarters already run before this table, with the standard in force at their start.
    op.execute(f"""
        INSERT INTO {S}.subsidy_run (program, quarter, standard, parameter_version, run_by)
        SELECT o.program, o.period, CAST(p.value->>'quarterly_amount' AS numeric), p.id,
               'migration'
        FROM (SELECT DISTINCT program, period FROM {S}.one_off WHERE source = 'subsidy') o
        CROSS JOIN LATERAL (
            SELECT id, value FROM {S}.parameter
            WHERE name = 'subsidy.' || o.program AND effective_from <= o.period
            ORDER BY effective_from DESC, id DESC LIMIT 1) p""")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.subsidy_run")
