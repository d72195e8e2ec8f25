"""Alembic environment for the contribution schema."""

from shared.data.migrations import run_service_migrations

run_service_migrations("contribution")
