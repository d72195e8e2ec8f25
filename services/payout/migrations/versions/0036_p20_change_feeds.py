"""Provincial sync (issue #20): the change log behind the province's change feeds (a trigger
on every tracked table, rows numbered in commit order by the sequencer) and the inbound
messages the province sends, one row per message id.

Revision ID: 0036_p20_change_feeds
Revises: 0035_c6_result_suspense
"""

from alembic import op

from shared.data.change_log import start_change_feeds_v1
from shared.data.platform_tables import create_inbound_messages_v1

revision = "0036_p20_change_feeds"
down_revision = "0035_c6_result_suspense"
branch_labels = None
depends_on = None

S = "payout"
# Frozen: the tables each feed carried when the feeds began (later migrations add more).
TRACKED = {
    "determinations": [
        ("retiree", "person_id"),
        ("determination", "id"),
        ("benefit_difference", "id"),
    ],
    "payments": [
        ("batch", "id"),
        ("payment", "id"),
        ("account_change", "id"),
        ("recovery", "id"),
        ("offset_deduction", "id"),
        ("one_off", "id"),
        ("death_benefit", "person_id"),
        ("death_benefit_share", "person_id,seq"),
        ("ledger_settlement", "id"),
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
