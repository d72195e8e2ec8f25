"""Jobs and the calendar (issue #21): the job table every long operation runs on, the dated
schedule of the agency's calendar and the record of each occurrence started (docs/jobs.md).

Revision ID: 0012_j21_jobs
Revises: 0011_u20_push_position
"""

from alembic import op

from shared.jobs.tables import create_job_tables_v1, seed_schedule_v1

revision = "0012_j21_jobs"
down_revision = "0011_u20_push_position"
branch_labels = None
depends_on = None

S = "contribution"


def upgrade() -> None:
    create_job_tables_v1(op.execute, S)
    # On the 1st at 02:00, the month's plans. Paused until the agency has its roster and
    # parameters in (an admin resumes it).
    seed_schedule_v1(
        op.execute,
        S,
        [
            {
                "kind": "plan_generation",
                "rule": "monthly",
                "day": 1,
                "params": {"period": "${month}", "roles": ["clerk"]},
                "paused": True,
            }
        ],
    )


def downgrade() -> None:
    for table in ("schedule_run", "schedule", "job"):
        op.execute(f"DROP TABLE {S}.{table}")
