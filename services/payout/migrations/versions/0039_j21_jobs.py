"""Jobs and the calendar (issue #21): the job table every long operation runs on, the dated
schedule of the agency's calendar and the record of each occurrence started (docs/jobs.md).

Revision ID: 0039_j21_jobs
Revises: 0038_u20_push_position
"""

from alembic import op

from shared.jobs.tables import create_job_tables_v1, seed_schedule_v1

revision = "0039_j21_jobs"
down_revision = "0038_u20_push_position"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    create_job_tables_v1(op.execute, S)
    # Every day at 01:00 (Beijing time): suspend retirees past their certification grace.
    seed_schedule_v1(
        op.execute,
        S,
        [
            {
                "kind": "certification_suspension",
                "rule": "daily",
                "at_time": "01:00",
                "params": {"as_of": "${date}"},
            },
            # Paused until the agency's take-over is done (an admin resumes them): payroll
            # on the 10th for the month, subsidies on the 5th of a quarter's first month.
            {
                "kind": "payroll",
                "rule": "monthly",
                "day": 10,
                "params": {"period": "${month}"},
                "paused": True,
            },
            {
                "kind": "subsidy_run",
                "rule": "quarterly",
                "day": 5,
                "params": {"quarter": "${quarter}"},
                "paused": True,
            },
        ],
    )


def downgrade() -> None:
    for table in ("schedule_run", "schedule", "job"):
        op.execute(f"DROP TABLE {S}.{table}")
