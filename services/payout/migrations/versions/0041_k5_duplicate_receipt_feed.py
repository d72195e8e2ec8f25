"""The held-payment list for duplicate receipts (重复领取比对, duplicate_receipt) joins the
`payments` change feed: its existing rows logged as inserts, every later change by trigger.

Revision ID: 0041_k5_duplicate_receipt_feed
Revises: 0040_k2_exports
"""

from alembic import op

from shared.data.change_log import backfill_changes_v1, track_changes_v1

revision = "0041_k5_duplicate_receipt_feed"
down_revision = "0040_k2_exports"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    backfill_changes_v1(op.execute, S, "duplicate_receipt", "payments", "id")
    track_changes_v1(op.execute, S, "duplicate_receipt", "payments", "id")


def downgrade() -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER change_log_{trigger} ON {S}.duplicate_receipt")
    # The changes already logged stay: they may be numbered, and the numbers have no gaps.
