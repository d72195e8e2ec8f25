"""Jobs and the calendar (issue #21): the job table every long operation runs on, the dated
schedule of the agency's calendar and the record of each occurrence started (docs/jobs.md).

Revision ID: 0016_j21_jobs
Revises: 0015_u20_push_position
"""

from alembic import op

from shared.jobs.tables import create_job_tables_v1, seed_schedule_v1

revision = "0016_j21_jobs"
down_revision = "0015_u20_push_position"
branch_labels = None
depends_on = None

S = "enrollment"


def upgrade() -> None:
    create_job_tables_v1(op.execute, S)
    # Paused until the agency has taken over the balances (an admin resumes it): on 5 January
    # the previous year's interest on every kind of account.
    seed_schedule_v1(
        op.execute,
        S,
        [
            {
                "kind": "interest_run",
                "rule": "yearly",
                "month": 1,
                "day": 5,
                "params": {"year": "${previous_year}"},
                "paused": True,
            }
        ],
    )


def downgrade() -> None:
    for table in ("schedule_run", "schedule", "job"):
        op.execute(f"DROP TABLE {S}.{table}")
