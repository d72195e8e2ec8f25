"""Alembic environment for the budget schema."""

from shared.data.migrations import run_service_migrations

run_service_migrations("budget")
