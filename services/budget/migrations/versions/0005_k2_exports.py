"""Large downloads as jobs (issue #21): the parts of export files, written by `export` jobs
and fetched at /jobs/{id}/file by the caller who asked (shared/jobs/outputs.py).

Revision ID: 0005_k2_exports
Revises: 0004_k1_jobs
"""

from alembic import op

from shared.jobs.outputs import create_job_output_v1

revision = "0005_k2_exports"
down_revision = "0004_k1_jobs"
branch_labels = None
depends_on = None

S = "budget"


def upgrade() -> None:
    create_job_output_v1(op.execute, S)


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.job_output")
