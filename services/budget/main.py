"""The budget service app: final accounts, the disclosure report, the consistency checker."""

from pathlib import Path

from fastapi import FastAPI

from services.budget.code_tables import CODE_TABLES
from services.budget.events import HANDLERS
from services.budget.final_accounts import import_job
from services.budget.final_accounts.router import router as accounts_router
from services.budget.report.router import router as report_router
from services.budget.spending.router import router as spending_router
from shared.service_app import create_service_app
from shared.settings import PlatformSettings

VERSION = "0.2.0"


def create_app(platform: PlatformSettings | None = None) -> FastAPI:
    """Build the budget app (settings from the environment unless given)."""
    return create_service_app(
        name="budget",
        version=VERSION,
        routers=[accounts_router, report_router, spending_router],
        handlers=HANDLERS,
        platform=platform,
        locales=Path(__file__).parent / "locales",
        code_tables=CODE_TABLES,
        jobs={import_job.KIND: import_job.run_job},
    )
