"""Large downloads as jobs (issue #21): the parts of export files, written by `export` jobs
and fetched at /jobs/{id}/file by the caller who asked (shared/jobs/outputs.py).

Revision ID: 0018_k2_exports
Revises: 0017_k1_job_inputs
"""

from alembic import op

from shared.jobs.outputs import create_job_output_v1

revision = "0018_k2_exports"
down_revision = "0017_k1_job_inputs"
branch_labels = None
depends_on = None

S = "enrollment"


def upgrade() -> None:
    create_job_output_v1(op.execute, S)


def downgrade() -> None:
    op.execute(f"DROP TABLE {S}.job_output")
