"""The append-only audit log (shared definition, in this service's schema).

Revision ID: audit_log_v1
Revises: 0003
"""

from alembic import op

from shared.data.audit import create_audit_log_v1

revision = "audit_log_v1"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log_v1(op, "contribution")


def downgrade() -> None:
    op.execute('DROP TABLE "contribution".audit_log')
    op.execute('DROP FUNCTION "contribution".audit_log_append_only()')
