"""批量接管 (issue #23): the take-over import's kept file and parts, its batches and lines.

Revision ID: 0042_m1_takeover_batches
Revises: 0041_k5_duplicate_receipt_feed
"""

from alembic import op

from shared.jobs.inputs import create_job_input_tables_v1

revision = "0042_m1_takeover_batches"
down_revision = "0041_k5_duplicate_receipt_feed"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    create_job_input_tables_v1(op.execute, S)
    op.execute(f"""
        CREATE TABLE {S}.takeover_batch (
            id uuid PRIMARY KEY,
            job_id uuid NOT NULL,
            filename text NOT NULL,
            status text NOT NULL
                CHECK (status IN ('importing', 'imported', 'checked', 'approved', 'returned')),
            total_rows integer NOT NULL DEFAULT 0,
            accepted integer NOT NULL DEFAULT 0,
            failed integer NOT NULL DEFAULT 0,
            report jsonb,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            checked_by text,
            checked_at timestamptz,
            approved_by text,
            approved_at timestamptz
        )""")
    op.execute(f"""
        CREATE TABLE {S}.takeover_batch_line (
            determination_id uuid PRIMARY KEY REFERENCES {S}.determination (id),
            batch_id uuid NOT NULL REFERENCES {S}.takeover_batch (id),
            line integer NOT NULL,
            person_id uuid NOT NULL
        )""")
    op.execute(
        f"CREATE INDEX takeover_batch_line_batch ON {S}.takeover_batch_line (batch_id, line)"
    )


def downgrade() -> None:
    for table in ("takeover_batch_line", "takeover_batch", "job_part", "job_input"):
        op.execute(f"DROP TABLE {S}.{table}")
