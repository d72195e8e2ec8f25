"""Income tax withheld on the occupational annuity (issue #18, item 10).

- payment, one_off: `taxable_amount` (the part of the gross `amount` that is taxable: an
  annuity line's whole amount, a death benefit's annuity part) and `tax_withheld`; the bank
  pays `amount - tax_withheld`. Lines made before are untaxed (0).
- parameter `annuity_income_tax`: the monthly and yearly rate tables (demo defaults: the
  tables in force since 2019, from 2000-01-01).

Revision ID: 0022_annuity_tax
Revises: 0021_average_index_ages
"""

import json

import sqlalchemy as sa
from alembic import op

from services.payout.parameters.defaults import annuity_income_tax

revision = "0022_annuity_tax"
down_revision = "0021_average_index_ages"
branch_labels = None
depends_on = None

S = "payout"
COLUMNS = (
    "ADD COLUMN taxable_amount numeric(14, 2) NOT NULL DEFAULT 0, "
    "ADD COLUMN tax_withheld numeric(14, 2) NOT NULL DEFAULT 0"
)


def upgrade() -> None:
    for table in ("payment", "one_off"):
        op.execute(f"ALTER TABLE {S}.{table} {COLUMNS}")
    op.execute(
        sa.text(
            f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
            "VALUES ('annuity_income_tax', DATE '2000-01-01', CAST(:value AS jsonb), :note, "
            "'migration')"
        ).bindparams(
            value=json.dumps(annuity_income_tax()),
            note="demo: 年金个人所得税 月度/综合所得税率表 (财税〔2018〕164号, check)",
        )
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM {S}.parameter WHERE name = 'annuity_income_tax'")
    for table in ("payment", "one_off"):
        op.execute(f"ALTER TABLE {S}.{table} DROP COLUMN taxable_amount, DROP COLUMN tax_withheld")
