"""Disbursement ledger settlements; budget classification codes per program.

Revision ID: 0008
Revises: 0007
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

S = "payout"

# 政府收支分类 (功能科目 类/款/项, 经济分类): demo codes for the county, to be checked.
BUDGET_CODES = {
    "basic_pension": ["2080505", "30302"],
    "occupational_annuity": ["2080506", "30302"],
    "living_subsidy": ["2080599", "30305"],
    "survivor_pension": ["2080801", "30304"],
    "transport_nursing": ["2080599", "30305"],
    "hardship_aid": ["2080599", "30305"],
    "death_benefit": ["2080801", "30304"],
    "withdrawal": ["2080505", "30399"],
}


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.ledger_settlement (
            id uuid PRIMARY KEY,
            ledger_id uuid NOT NULL,
            program varchar NOT NULL,
            period date NOT NULL,
            revision integer NOT NULL,
            paid_count integer NOT NULL,
            paid_amount numeric(14, 2) NOT NULL,
            failed_amount numeric(14, 2) NOT NULL,
            recovered_amount numeric(14, 2) NOT NULL,
            functional_code varchar NOT NULL,
            economic_code varchar NOT NULL,
            parameter_version integer NOT NULL,
            settled_on date NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ledger_settlement_revision UNIQUE (program, period, revision)
        )""")
    # Which programs still have lines waiting for a bank result: small, so settling is cheap.
    op.execute(
        f"CREATE INDEX payment_outstanding ON {S}.payment (program, period) WHERE status = 'sent'"
    )
    value = {p: {"functional_code": f, "economic_code": e} for p, (f, e) in BUDGET_CODES.items()}
    op.execute(
        sa.text(
            f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
            "VALUES ('budget_codes', DATE '2014-10-01', CAST(:value AS jsonb), :note, "
            "'migration')"
        ).bindparams(
            value=json.dumps(value), note="demo: 支出功能分类与经济分类科目 by program (check)"
        )
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM {S}.parameter WHERE name = 'budget_codes'")
    op.execute(f"DROP INDEX {S}.payment_outstanding")
    op.execute(f"DROP TABLE {S}.ledger_settlement")
