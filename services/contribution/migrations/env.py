"""Alembic environment for the contribution schema."""

from shared.migrations import run_service_migrations

run_service_migrations("contribution")
