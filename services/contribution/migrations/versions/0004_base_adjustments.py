"""A change to an approved declaration's bases is submitted, then approved by another user.

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


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.base_adjustment")
