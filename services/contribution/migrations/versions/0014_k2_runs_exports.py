"""Yearly audits on the calendar (issue #21): the `audit_yearly_run` kind, yearly on 01-10 at
03:00 for the previous year, seeded paused like the other runs (docs/jobs.md); and the parts
of export files, written by `export` jobs (shared/jobs/outputs.py).

Revision ID: 0014_k2_runs_exports
Revises: 0013_k1_job_inputs
"""

from alembic import op

from shared.jobs.outputs import create_job_output_v1
from shared.jobs.tables import seed_schedule_v1

revision = "0014_k2_runs_exports"
down_revision = "0013_k1_job_inputs"
branch_labels = None
depends_on = None

S = "contribution"


def upgrade() -> None:
    create_job_output_v1(op.execute, S)
    # After the year's accounts are closed: the previous year's units, as the clerks asked.
    # Paused until the agency's declarations and receipts for the year are in.
    seed_schedule_v1(
        op.execute,
        S,
        [
            {
                "kind": "audit_yearly_run",
                "rule": "yearly",
                "month": 1,
                "day": 10,
                "at_time": "03:00",
                "params": {"year": "${previous_year}", "roles": ["clerk"]},
                "paused": True,
            }
        ],
    )


def downgrade() -> None:
    op.execute(f"DELETE FROM {S}.schedule WHERE kind = 'audit_yearly_run'")
    op.execute(f"DROP TABLE {S}.job_output")
