"""The append-only audit log (shared definition, in this service's schema).

Revision ID: audit_log_v1
Revises: 0006
"""

from alembic import op

from shared.data.audit import create_audit_log_v1

revision = "audit_log_v1"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log_v1(op, "enrollment")


def downgrade() -> None:
    op.execute('DROP TABLE "enrollment".audit_log')
    op.execute('DROP FUNCTION "enrollment".audit_log_append_only()')
