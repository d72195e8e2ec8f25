"""Failed lines are owed until paid or written off (issue #18, item 8).

- failed_line_decision: what was decided about a failed line. `retry` (the next run
  re-issues it to the same account), `write_off` (requested, then approved or rejected by a
  second person: the line is no longer owed), `estate` (a deceased retiree's failed month
  paid to the survivor by the one-off `one_off_id`; a retry not yet done when the retiree's
  death is known is then `cancelled`). At most one decision per line that is not rejected
  or cancelled.

Revision ID: 0027_failed_lines
Revises: 0026_determination_lifecycle
"""

from alembic import op

revision = "0027_failed_lines"
down_revision = "0026_determination_lifecycle"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(
        f"""CREATE TABLE {S}.failed_line_decision (
            id uuid PRIMARY KEY,
            payment_id uuid NOT NULL,
            person_id uuid NOT NULL,
            action varchar NOT NULL,
            status varchar NOT NULL,
            amount numeric(14, 2) NOT NULL,
            reason text NOT NULL,
            requested_by varchar NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            decided_by varchar,
            decided_at timestamptz,
            replacement_id uuid,
            one_off_id uuid)"""
    )
    op.execute(
        f"CREATE UNIQUE INDEX failed_line_decision_once ON {S}.failed_line_decision "
        "(payment_id) WHERE status NOT IN ('rejected', 'cancelled')"
    )
    op.execute(f"CREATE INDEX failed_line_decision_person ON {S}.failed_line_decision (person_id)")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.failed_line_decision")
