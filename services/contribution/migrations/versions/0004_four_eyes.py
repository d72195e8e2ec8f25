"""Four eyes: a change to an approved base and a receipt's reversal are submitted, then
approved by another user.

Revision ID: 0004
Revises: audit_log_v1
"""

from alembic import op

revision = "0004"
down_revision = "audit_log_v1"
branch_labels = None
depends_on = None

S = "contribution"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.base_adjustment (
            id uuid PRIMARY KEY,
            declaration_id uuid NOT NULL REFERENCES {S}.declaration (id),
            citizen_id varchar(18) NOT NULL,
            name text NOT NULL,
            from_month int NOT NULL CHECK (from_month BETWEEN 1 AND 12),
            declared_wage numeric(14, 2) NOT NULL CHECK (declared_wage > 0),
            base numeric(14, 2) NOT NULL CHECK (base > 0),
            clamp text,
            reason text NOT NULL,
            status text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
            submitted_by text NOT NULL,
            submitted_at timestamptz NOT NULL DEFAULT now(),
            decided_by text,
            decided_at timestamptz,
            decision_note text,
            base_id bigint REFERENCES {S}.base (id),
            CHECK (decided_by IS NULL OR decided_by <> submitted_by)
        )""")
    op.execute(f"CREATE INDEX base_adjustment_declaration ON {S}.base_adjustment (declaration_id)")
    op.execute(
        f"CREATE INDEX base_adjustment_open ON {S}.base_adjustment (submitted_at) "
        "WHERE status = 'submitted'"
    )
    # A receipt recorded in error is reversed whole, and only while none of its money is used.
    op.execute(f"""
        CREATE TABLE {S}.receipt_reversal (
            id uuid PRIMARY KEY,
            receipt_id uuid NOT NULL REFERENCES {S}.receipt (id),
            unit_id uuid NOT NULL,
            amount numeric(14, 2) NOT NULL CHECK (amount > 0),
            reason text NOT NULL,
            status text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
            submitted_by text NOT NULL,
            submitted_at timestamptz NOT NULL DEFAULT now(),
            decided_by text,
            decided_at timestamptz,
            decision_note text,
            CHECK (decided_by IS NULL OR decided_by <> submitted_by)
        )""")
    # One reversal per receipt that is waiting or done; a rejected one may be asked again.
    op.execute(
        f"CREATE UNIQUE INDEX receipt_reversal_once ON {S}.receipt_reversal (receipt_id) "
        "WHERE status <> 'rejected'"
    )


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.receipt_reversal")
    op.execute(f"DROP TABLE {S}.base_adjustment")
