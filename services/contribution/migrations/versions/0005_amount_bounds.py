"""Plausible amounts: the ceilings of a declared monthly wage and of one receipt, as dated
policy parameters with demo defaults (administrators add newer versions through the API).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "contribution"
DEFAULT_BOUNDS = [
    ("bound.monthly_wage", "2014-10-01", "100000.00", "demo: 申报月平均工资的合理上限"),
    ("bound.receipt_amount", "2014-10-01", "50000000.00", "demo: 单笔到账金额的合理上限"),
]


def upgrade() -> None:
    for name, since, value, note in DEFAULT_BOUNDS:
        op.execute(
            f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
            f"VALUES ('{name}', '{since}', {value}, '{note}', 'defaults')"
        )


def downgrade() -> None:
    names = ", ".join(f"'{name}'" for name, *_ in DEFAULT_BOUNDS)
    op.execute(f"DELETE FROM {S}.parameter WHERE name IN ({names}) AND recorded_by = 'defaults'")
