"""Alembic environment for the payout schema."""

from shared.data.migrations import run_service_migrations

run_service_migrations("payout")
