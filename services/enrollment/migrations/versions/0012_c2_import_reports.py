"""Import reports (issue #19 item 2): every import's row-by-row result, kept so that a clerk
can read it again and download it as XLSX with the original rows and the reasons beside them.
Append-only: a report is what happened to one file; importing again makes a new one.

Revision ID: 0012_c2_import_reports
Revises: 0011_c3_name_search
"""

from alembic import op

revision = "0012_c2_import_reports"
down_revision = "0011_c3_name_search"
branch_labels = None
depends_on = None

S = "enrollment"


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE {S}.import_report (
            id uuid PRIMARY KEY,
            kind text NOT NULL,
            subject_id uuid NOT NULL,
            filename text NOT NULL,
            header_row integer NOT NULL,
            columns jsonb NOT NULL,
            fields jsonb NOT NULL,
            total_rows integer NOT NULL,
            accepted integer NOT NULL,
            unchanged integer NOT NULL,
            failed integer NOT NULL,
            rows jsonb NOT NULL,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute(f"CREATE INDEX import_report_subject_id ON {S}.import_report (subject_id)")


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.import_report")
