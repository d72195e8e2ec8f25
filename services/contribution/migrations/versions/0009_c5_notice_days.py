"""The time a 催缴通知书 (arrears notice) gives a unit to pay, as a dated policy parameter
with a demo default (administrators add newer versions through the parameters API).

Revision ID: 0009_c5_notice_days
Revises: 0008_c6_bank_suspense
"""

from alembic import op

revision = "0009_c5_notice_days"
down_revision = "0008_c6_bank_suspense"
branch_labels = None
depends_on = None

S = "contribution"
# 社会保险法 §86: the agency orders payment within a time limit; 15 days is the usual one.
DEFAULT = ("notice.pay_within_days", "2014-10-01", "15", "demo: 催缴通知书限期缴纳天数")


def upgrade() -> None:
    name, since, value, note = DEFAULT
    op.execute(
        f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
        f"VALUES ('{name}', '{since}', {value}, '{note}', 'defaults')"
    )


def downgrade() -> None:
    op.execute(
        f"DELETE FROM {S}.parameter WHERE name = '{DEFAULT[0]}' AND recorded_by = 'defaults'"
    )
