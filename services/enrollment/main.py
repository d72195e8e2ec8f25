"""The enrollment service app."""

from fastapi import FastAPI

from services.enrollment.closings.router import router as closings_router
from services.enrollment.code_tables import CODE_TABLES
from services.enrollment.death_notice_issues.router import router as death_notice_issues_router
from services.enrollment.death_reports.router import router as death_reports_router
from services.enrollment.deemed.router import router as deemed_router
from services.enrollment.events import HANDLERS
from services.enrollment.feeds import FEEDS
from services.enrollment.imports import job as import_job
from services.enrollment.imports.router import router as import_router
from services.enrollment.individual_accounts import interest_job
from services.enrollment.individual_accounts.router import router as accounts_router
from services.enrollment.messages import LOCALES
from services.enrollment.parameters.router import router as parameters_router
from services.enrollment.persons.router import router as persons_router
from services.enrollment.province_parameters.router import router as province_parameters_router
from services.enrollment.retirement.router import router as retirement_router
from services.enrollment.rights_record.router import router as rights_router
from services.enrollment.statistics.router import router as statistics_router
from services.enrollment.status_changes.router import router as status_router
from services.enrollment.sync.router import router as sync_router
from services.enrollment.transfers.router import router as transfers_router
from services.enrollment.units.router import router as units_router
from services.enrollment.withdrawal.router import router as withdrawal_router
from shared.service_app import create_service_app
from shared.settings import PlatformSettings

VERSION = "0.1.0"


def create_app(platform: PlatformSettings | None = None) -> FastAPI:
    """Build the enrollment app (settings from the environment unless given)."""
    return create_service_app(
        name="enrollment",
        version=VERSION,
        routers=[
            units_router,
            import_router,
            persons_router,
            status_router,
            death_reports_router,
            accounts_router,
            statistics_router,
            rights_router,
            retirement_router,
            parameters_router,
            withdrawal_router,
            transfers_router,
            sync_router,
            province_parameters_router,
            death_notice_issues_router,
            closings_router,
            deemed_router,
        ],
        handlers=HANDLERS,
        platform=platform,
        locales=LOCALES,
        code_tables=CODE_TABLES,
        feeds=FEEDS,
        jobs={interest_job.KIND: interest_job.run_job, import_job.KIND: import_job.run_job},
    )
