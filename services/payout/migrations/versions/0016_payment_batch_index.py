"""One index for a batch's lines and a program's outstanding lines: payment_batch becomes
(batch_id, period, status) and payment_outstanding goes. The ledger finds a program's lines
through its batches; a payroll run maintains one index fewer per payment.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

S = "payout"


def upgrade() -> None:
    op.execute(f"DROP INDEX {S}.payment_outstanding")
    op.execute(f"DROP INDEX {S}.payment_batch")
    op.execute(f"CREATE INDEX payment_batch ON {S}.payment (batch_id, period, status)")


def downgrade() -> None:
    op.execute(f"DROP INDEX {S}.payment_batch")
    op.execute(f"CREATE INDEX payment_batch ON {S}.payment (batch_id)")
    op.execute(
        f"CREATE INDEX payment_outstanding ON {S}.payment (program, period) WHERE status = 'sent'"
    )
