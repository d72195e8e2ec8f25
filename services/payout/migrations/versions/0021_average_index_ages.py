"""Average index and ages in months (issue #18, items 1 and 13).

- parameter `average_index`: the provincial weighting of I (deemed months one for one,
  transferred indices included); demo default in force from the start.
- parameter `months_divisor`: a version from 2025-01-01 (the gradual retirement-age reform)
  that interpolates ages between whole years to a whole month.
- determination.floor_amount: the 保低 floor kept once the annuity is exhausted (the old
  standard plus the 调待 adjustments); NULL where there is no comparison or it lapses.
- undetermined_retirement: a retirement payout recorded but could not determine (an age
  outside the 计发月数 table, a parameter not in force, no index), listed for a clerk until a
  determination is made for it; the retirement event is never dead-lettered for these.

Revision ID: 0021_average_index_ages
Revises: 0020
"""

import json

import sqlalchemy as sa
from alembic import op

from services.payout.parameters.defaults import issue_18_parameters

revision = "0021_average_index_ages"
down_revision = "0020"
branch_labels = None
depends_on = None

S = "payout"
INSERT = (
    f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
    "VALUES (:name, CAST(:on AS date), CAST(:value AS jsonb), :note, 'migration')"
)

IN_FORCE = """
    CREATE INDEX determination_in_force ON {s}.determination
        (person_id, effective_from DESC, seq DESC)
        INCLUDE (id, monthly_amount, annuity_monthly, annuity_balance{include})
        WHERE status = 'approved'"""


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.undetermined_retirement (
            person_id uuid PRIMARY KEY REFERENCES {S}.retiree (person_id),
            reason_code varchar NOT NULL,
            detail text NOT NULL,
            source_event_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            resolved_by varchar,
            resolved_at timestamptz,
            determination_id uuid REFERENCES {S}.determination (id)
        )""")
    op.execute(f"ALTER TABLE {S}.determination ADD COLUMN floor_amount numeric(14, 2)")
    # Floors already determined are kept too (the default rule), from the comparison stored.
    op.execute(f"""
        UPDATE {S}.determination
        SET floor_amount = CAST(comparison->>'old_standard' AS numeric(14, 2)) + adjustments
        WHERE comparison IS NOT NULL""")
    # The payroll's lookup stays index-only: the floor joins the index's included columns.
    op.execute(f"DROP INDEX {S}.determination_in_force")
    op.execute(IN_FORCE.format(s=S, include=", floor_amount"))
    for name, on, value, note in issue_18_parameters():
        op.execute(sa.text(INSERT).bindparams(name=name, on=on, value=json.dumps(value), note=note))


def downgrade() -> None:
    op.execute(
        f"DELETE FROM {S}.parameter WHERE recorded_by = 'migration' AND ("
        "name = 'average_index' OR (name = 'months_divisor' AND effective_from = '2025-01-01'))"
    )
    op.execute(f"DROP TABLE {S}.undetermined_retirement")
    op.execute(f"DROP INDEX {S}.determination_in_force")
    op.execute(IN_FORCE.format(s=S, include=""))
    op.execute(f"ALTER TABLE {S}.determination DROP COLUMN floor_amount")
