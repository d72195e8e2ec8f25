"""Average index and ages in months (issue #18, items 1 and 13).

- parameter `average_index`: the provincial weighting of I (deemed months one for one,
  transferred indices included); demo default in force from the start.
- parameter `months_divisor`: a version from 2025-01-01 (the gradual retirement-age reform)
  that interpolates ages between whole years to a whole month.
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
    for name, on, value, note in issue_18_parameters():
        op.execute(sa.text(INSERT).bindparams(name=name, on=on, value=json.dumps(value), note=note))


def downgrade() -> None:
    op.execute(
        f"DELETE FROM {S}.parameter WHERE recorded_by = 'migration' AND ("
        "name = 'average_index' OR (name = 'months_divisor' AND effective_from = '2025-01-01'))"
    )
    op.execute(f"DROP TABLE {S}.undetermined_retirement")
