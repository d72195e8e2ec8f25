"""The append-only audit log (shared definition, in this service's schema).

Revision ID: audit_log_v1
Revises: 0002
"""

from alembic import op

from shared.data.audit import create_audit_log_v1

revision = "audit_log_v1"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log_v1(op, "payout")


def downgrade() -> None:
    op.execute('DROP TABLE "payout".audit_log')
    op.execute('DROP FUNCTION "payout".audit_log_append_only()')
