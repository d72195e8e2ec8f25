"""Alembic environment for the enrollment schema."""

from shared.data.migrations import run_service_migrations

run_service_migrations("enrollment")
