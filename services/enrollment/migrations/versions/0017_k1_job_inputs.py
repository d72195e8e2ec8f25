"""Job inputs (issue #21): the uploaded file a persons import's job reads, and the parts of its
report its committed batches keep until the last step (docs/jobs.md).

Revision ID: 0017_k1_job_inputs
Revises: 0016_j21_jobs
"""

from alembic import op

from shared.jobs.inputs import create_job_input_tables_v1

revision = "0017_k1_job_inputs"
down_revision = "0016_j21_jobs"
branch_labels = None
depends_on = None

S = "enrollment"


def upgrade() -> None:
    create_job_input_tables_v1(op.execute, S)


def downgrade() -> None:
    for table in ("job_part", "job_input"):
        op.execute(f"DROP TABLE {S}.{table}")
