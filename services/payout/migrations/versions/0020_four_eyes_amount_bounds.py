"""Four eyes on payout's money acts, and plausible amounts (issue #17).

- death_benefit: a grant is a request (`requested`) until a second person approves it
  (`approved`) or rejects it; grants made before are approved.
- recovery: a waiver or an offset is requested (`pending_approval`, with the method, who and
  when) and takes effect when a second person approves it.
- subsidy_entitlement: an entitlement, or an amount change's successor (`replaces_id`, with
  the change's reason), counts in a subsidy run only once approved; earlier ones are. A
  rejected one no longer holds its start (subsidy_entitlement_once skips it).
- parameter `amount_bounds`: the most a person may enter per amount (demo defaults).

Revision ID: 0020
Revises: 0019
"""

import json

import sqlalchemy as sa
from alembic import op

from services.payout.parameters.defaults import AMOUNT_BOUNDS

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

S = "payout"
DECISION = "decided_by varchar, ADD COLUMN decided_at timestamptz"


def upgrade() -> None:
    # Rows made before this revision were in force already: approved (the default is dropped
    # afterwards, so that the code always says what a new row is).
    for table in ("death_benefit", "subsidy_entitlement"):
        op.execute(
            f"ALTER TABLE {S}.{table} ADD COLUMN status varchar NOT NULL DEFAULT 'approved', "
            f"ADD COLUMN {DECISION}"
        )
        op.execute(f"ALTER TABLE {S}.{table} ALTER COLUMN status DROP DEFAULT")
    op.execute(
        f"ALTER TABLE {S}.subsidy_entitlement "
        f"ADD COLUMN replaces_id uuid REFERENCES {S}.subsidy_entitlement (id), "
        "ADD COLUMN change_reason text"
    )
    # Once per person, program and start, unless rejected (a corrected request may follow).
    op.execute(f"ALTER TABLE {S}.subsidy_entitlement DROP CONSTRAINT subsidy_entitlement_once")
    op.execute(
        f"CREATE UNIQUE INDEX subsidy_entitlement_once ON {S}.subsidy_entitlement "
        "(person_id, program, from_quarter) WHERE status <> 'rejected'"
    )
    op.execute(
        f"ALTER TABLE {S}.recovery ADD COLUMN requested_method varchar, "
        "ADD COLUMN requested_by varchar, ADD COLUMN requested_at timestamptz"
    )
    op.execute(
        sa.text(
            f"INSERT INTO {S}.parameter (name, effective_from, value, note, recorded_by) "
            "VALUES ('amount_bounds', DATE '2014-10-01', CAST(:value AS jsonb), :note, "
            "'migration')"
        ).bindparams(
            value=json.dumps(AMOUNT_BOUNDS), note="demo: 录入金额的合理上限 (issue #17, check)"
        )
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM {S}.parameter WHERE name = 'amount_bounds'")
    op.execute(
        f"ALTER TABLE {S}.recovery DROP COLUMN requested_method, DROP COLUMN requested_by, "
        "DROP COLUMN requested_at"
    )
    op.execute(f"DELETE FROM {S}.subsidy_entitlement WHERE status = 'rejected'")
    op.execute(f"DROP INDEX {S}.subsidy_entitlement_once")
    op.execute(
        f"ALTER TABLE {S}.subsidy_entitlement ADD CONSTRAINT subsidy_entitlement_once "
        "UNIQUE (person_id, program, from_quarter)"
    )
    op.execute(
        f"ALTER TABLE {S}.subsidy_entitlement DROP COLUMN replaces_id, DROP COLUMN change_reason"
    )
    for table in ("death_benefit", "subsidy_entitlement"):
        op.execute(
            f"ALTER TABLE {S}.{table} DROP COLUMN status, DROP COLUMN decided_by, "
            "DROP COLUMN decided_at"
        )
