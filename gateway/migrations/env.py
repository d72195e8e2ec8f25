"""Alembic environment for the gateway schema (revocations, login throttling, rate limits)."""

from shared.data.migrations import run_service_migrations

run_service_migrations("gateway")
