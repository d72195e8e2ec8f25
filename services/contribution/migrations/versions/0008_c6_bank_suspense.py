"""待查明款项: a bank's receipt lines that name no unit on the roster are held in suspense
(the rest of the post is recorded) until a clerk matches them to a unit or returns them to
the bank, and a second person approves that.

Revision ID: 0008_c6_bank_suspense
Revises: 0007_c2_import_reports
"""

from alembic import op

revision = "0008_c6_bank_suspense"
down_revision = "0007_c2_import_reports"
branch_labels = None
depends_on = None

S = "contribution"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.bank_suspense (
            id uuid PRIMARY KEY,
            bank_id text NOT NULL,
            reference text NOT NULL,
            unit_credit_code text NOT NULL,
            amount numeric(14, 2) NOT NULL,
            received_on date NOT NULL,
            reason text NOT NULL,
            status text NOT NULL,
            posted_at timestamptz NOT NULL DEFAULT now(),
            action text,
            unit_id uuid,
            note text,
            submitted_by text,
            submitted_at timestamptz,
            decided_by text,
            decided_at timestamptz,
            decision_note text,
            receipt_id uuid REFERENCES {S}.receipt (id),
            CONSTRAINT bank_suspense_bank_id_reference_key UNIQUE (bank_id, reference),
            CONSTRAINT bank_suspense_amount_check CHECK (amount > 0),
            CONSTRAINT bank_suspense_reason_check CHECK (reason IN ('unit_unknown')),
            CONSTRAINT bank_suspense_status_check
                CHECK (status IN ('open', 'submitted', 'matched', 'returned')),
            CONSTRAINT bank_suspense_action_check
                CHECK (action IS NULL OR action IN ('match', 'return')),
            CONSTRAINT bank_suspense_match_check CHECK (action <> 'match' OR unit_id IS NOT NULL),
            CONSTRAINT bank_suspense_decided_by_check
                CHECK (decided_by IS NULL OR decided_by <> submitted_by)
        )""")
    # The clerks' work list: what is still waiting for a match or an approval.
    op.execute(
        f"CREATE INDEX bank_suspense_pending ON {S}.bank_suspense (posted_at) "
        "WHERE status IN ('open', 'submitted')"
    )


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.bank_suspense")
