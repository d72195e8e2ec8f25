"""Jobs (issue #21): the job tables every long operation runs on (the department-year import
first; no calendar rows yet) and the job inputs, the document or workbook an import's job
reads (docs/jobs.md).

Revision ID: 0004_k1_jobs
Revises: 0003
"""

from alembic import op

from shared.jobs.inputs import create_job_input_tables_v1
from shared.jobs.tables import create_job_tables_v1

revision = "0004_k1_jobs"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "budget"


def upgrade() -> None:
    create_job_tables_v1(op.execute, S)
    create_job_input_tables_v1(op.execute, S)


def downgrade() -> None:
    for table in ("job_part", "job_input", "schedule_run", "schedule", "job"):
        op.execute(f"DROP TABLE {S}.{table}")
