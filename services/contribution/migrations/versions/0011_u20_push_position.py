"""Provincial sync (issue #20): where the outbound push of the change feeds stands (one row per
configured province endpoint) and the change log's index in commit order across domains.

Revision ID: 0011_u20_push_position
Revises: 0010_p20_change_feeds
"""

from alembic import op

from shared.data.push_position import create_push_position_v1

revision = "0011_u20_push_position"
down_revision = "0010_p20_change_feeds"
branch_labels = None
depends_on = None

S = "contribution"


def upgrade() -> None:
    create_push_position_v1(op.execute, S)


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.change_log_position")
    op.execute(f"DROP TABLE {S}.push_position")
