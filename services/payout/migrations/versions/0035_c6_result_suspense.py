"""待查明款项 of the banks' results: a result for a payment reference the agency does not
know is held (the rest of the post is recorded) until a clerk matches it to the right line
or returns it to the bank, and a second person approves that. A bank lists the results it
posted by day (payment_bank_result).

Revision ID: 0035_c6_result_suspense
Revises: 0034_c3_retiree_search
"""

from alembic import op

revision = "0035_c6_result_suspense"
down_revision = "0034_c3_retiree_search"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.result_suspense (
            id uuid PRIMARY KEY,
            bank_id text NOT NULL,
            reference uuid NOT NULL,
            outcome text NOT NULL,
            reason_code text,
            reason text NOT NULL,
            status text NOT NULL,
            posted_at timestamptz NOT NULL DEFAULT now(),
            action text,
            payment_id uuid REFERENCES {S}.payment (id),
            note text,
            submitted_by text,
            submitted_at timestamptz,
            decided_by text,
            decided_at timestamptz,
            decision_note text,
            CONSTRAINT result_suspense_bank_id_reference_key UNIQUE (bank_id, reference),
            CONSTRAINT result_suspense_outcome_check CHECK (outcome IN ('paid', 'failed')),
            CONSTRAINT result_suspense_reason_check CHECK (reason IN ('line_unknown')),
            CONSTRAINT result_suspense_status_check
                CHECK (status IN ('open', 'submitted', 'matched', 'returned')),
            CONSTRAINT result_suspense_action_check
                CHECK (action IS NULL OR action IN ('match', 'return')),
            CONSTRAINT result_suspense_match_check
                CHECK (action <> 'match' OR payment_id IS NOT NULL),
            CONSTRAINT result_suspense_decided_by_check
                CHECK (decided_by IS NULL OR decided_by <> submitted_by)
        )""")
    # The clerks' work list: what is still waiting for a match or an approval.
    op.execute(
        f"CREATE INDEX result_suspense_pending ON {S}.result_suspense (posted_at) "
        "WHERE status IN ('open', 'submitted')"
    )

    # A bank lists the results it posted, by day: only lines with a result are in it, so a
    # payroll run's inserts (no result yet) do not pay for it.
    op.execute(
        f"CREATE INDEX payment_bank_result ON {S}.payment (bank_code, result_at) "
        "WHERE result_at IS NOT NULL"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.payment_bank_result")
    op.execute(f"DROP TABLE {S}.result_suspense")
