"""Token revocations, login throttling and shared rate-limit windows.

Revision ID: 0001
Revises:
"""

from alembic import op

from shared.data.audit import create_audit_log_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Append-only: a revocation is never undone, a later token is simply newer.
    op.execute("""
        CREATE TABLE gateway.token_revocation (
            id bigserial PRIMARY KEY,
            subject text,
            token_id text,
            not_before timestamptz,
            expires_at timestamptz NOT NULL,
            reason text NOT NULL,
            revoked_by text NOT NULL,
            revoked_at timestamptz NOT NULL DEFAULT now(),
            CHECK ((token_id IS NOT NULL) OR (subject IS NOT NULL AND not_before IS NOT NULL))
        )""")
    op.execute("CREATE INDEX token_revocation_expires ON gateway.token_revocation (expires_at)")
    # Failed logins per key ('user:<name>' or 'addr:<ip>'); cleared by a success or an admin.
    op.execute("""
        CREATE TABLE gateway.login_throttle (
            key text PRIMARY KEY,
            failures integer NOT NULL,
            first_failure_at timestamptz NOT NULL,
            last_failure_at timestamptz NOT NULL,
            locked_until timestamptz NOT NULL
        )""")
    # Requests per caller per window, summed over every gateway process.
    op.execute("""
        CREATE TABLE gateway.rate_window (
            key text NOT NULL,
            window_start timestamptz NOT NULL,
            requests bigint NOT NULL,
            PRIMARY KEY (key, window_start)
        )""")
    op.execute("CREATE INDEX rate_window_over ON gateway.rate_window (window_start, requests)")
    # The same append-only audit log as every service keeps.
    create_audit_log_v1(op, "gateway")


def downgrade() -> None:
    for table in ("audit_log", "rate_window", "login_throttle", "token_revocation"):
        op.execute(f"DROP TABLE gateway.{table}")
    op.execute("DROP FUNCTION gateway.audit_log_append_only()")
