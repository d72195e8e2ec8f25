"""Provincial sync (issue #20): the change log behind the province's change feeds (a trigger
on every tracked table, rows numbered in commit order by the sequencer) and the inbound
messages the province sends, one row per message id.

Revision ID: 0010_p20_change_feeds
Revises: 0009_c5_notice_days
"""

from alembic import op

from shared.data.change_log import start_change_feeds_v1
from shared.data.platform_tables import create_inbound_messages_v1

revision = "0010_p20_change_feeds"
down_revision = "0009_c5_notice_days"
branch_labels = None
depends_on = None

S = "contribution"
# Frozen: the tables each feed carried when the feeds began (later migrations add more).
TRACKED = {
    "contributions": [
        ("declaration", "id"),
        ("declaration_line", "declaration_id,citizen_id"),
        ("base", "id"),
        ("base_adjustment", "id"),
        ("plan", "id"),
        ("plan_line", "plan_id,person_id"),
        ("receipt", "id"),
        ("allocation", "id"),
        ("receipt_reversal", "id"),
    ],
}


def upgrade() -> None:
    start_change_feeds_v1(op.execute, S, TRACKED)
    create_inbound_messages_v1(op.execute, S)


def downgrade() -> None:
    for tables in TRACKED.values():
        for table, _ in tables:
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER change_log_{trigger} ON {S}.{table}")
    for function in ("log_insert()", "log_delete()", "log_update()", "change_key(json, text)"):
        op.execute(f"DROP FUNCTION {S}.{function}")
    op.execute(f"DROP TABLE {S}.change_sequence, {S}.change_log, {S}.inbound_message")
