"""The contribution service app."""

from pathlib import Path

from fastapi import FastAPI

from services.contribution.adjustments.router import router as adjustments_router
from services.contribution.audits import job as audit_job
from services.contribution.audits.router import router as audits_router
from services.contribution.code_tables import CODE_TABLES
from services.contribution.config import get_settings
from services.contribution.declarations import upload_job
from services.contribution.declarations.router import router as declarations_router
from services.contribution.events import HANDLERS
from services.contribution.feeds import FEEDS
from services.contribution.imports.router import router as imports_router
from services.contribution.notices.router import router as notices_router
from services.contribution.parameters.router import router as parameters_router
from services.contribution.plans import job as plan_job
from services.contribution.plans.router import router as plans_router
from services.contribution.province_parameters.router import router as province_parameters_router
from services.contribution.reports.router import router as reports_router
from services.contribution.reversals.router import router as reversals_router
from services.contribution.roster.router import router as roster_router
from services.contribution.settlement.router import router as settlement_router
from services.contribution.suspense.router import router as suspense_router
from shared.service_app import create_service_app
from shared.settings import PlatformSettings

VERSION = "0.2.0"


def create_app(platform: PlatformSettings | None = None) -> FastAPI:
    """Build the contribution app (settings from the environment unless given)."""
    get_settings()  # refuses to start with the demo bank secrets outside dev mode
    return create_service_app(
        name="contribution",
        version=VERSION,
        routers=[
            roster_router,
            parameters_router,
            province_parameters_router,
            declarations_router,
            imports_router,
            adjustments_router,
            plans_router,
            settlement_router,
            reversals_router,
            suspense_router,
            reports_router,
            notices_router,
            audits_router,
        ],
        handlers=HANDLERS,
        platform=platform,
        locales=Path(__file__).parent / "locales",
        code_tables=CODE_TABLES,
        feeds=FEEDS,
        jobs={
            plan_job.KIND: plan_job.run_job,
            audit_job.KIND: audit_job.run_job,
            upload_job.KIND: upload_job.run_job,
        },
    )
