"""The payout service app."""

from pathlib import Path

from fastapi import FastAPI

from services.payout.banking.router import router as banking_router
from services.payout.certification import scheduler as certification_jobs
from services.payout.certification.router import router as certification_router
from services.payout.code_tables import CODE_TABLES
from services.payout.config import get_settings
from services.payout.death.router import router as death_router
from services.payout.determinations.router import router as determinations_router
from services.payout.differences.router import router as differences_router
from services.payout.events import HANDLERS
from services.payout.failed_lines.router import router as failed_lines_router
from services.payout.feeds import FEEDS
from services.payout.ledger.router import router as ledger_router
from services.payout.parameters.router import router as parameters_router
from services.payout.payee_accounts.router import router as accounts_router
from services.payout.payroll import job as payroll_job
from services.payout.payroll.router import router as payroll_router
from services.payout.payroll.worker import payroll_worker
from services.payout.printables.router import router as printables_router
from services.payout.province.router import router as province_router
from services.payout.province.router import sync_router as province_sync_router
from services.payout.province_parameters.router import router as province_parameters_router
from services.payout.retirees.router import router as retirees_router
from services.payout.subsidies import job as subsidy_job
from services.payout.subsidies.router import router as subsidies_router
from services.payout.suspense.router import router as suspense_router
from services.payout.takeover_imports import job as takeover_import_job
from services.payout.takeover_imports.router import router as takeover_imports_router
from services.payout.tax.router import router as tax_router
from services.payout.withdrawals.router import router as withdrawals_router
from shared.service_app import create_service_app
from shared.settings import PlatformSettings

VERSION = "0.2.0"


def create_app(platform: PlatformSettings | None = None) -> FastAPI:
    """Build the payout app (settings from the environment unless given)."""
    return create_service_app(
        name="payout",
        version=VERSION,
        routers=[
            parameters_router,
            retirees_router,
            determinations_router,
            differences_router,
            payroll_router,
            accounts_router,
            banking_router,
            suspense_router,
            certification_router,
            province_router,
            province_sync_router,
            death_router,
            failed_lines_router,
            withdrawals_router,
            ledger_router,
            subsidies_router,
            takeover_imports_router,
            tax_router,
            printables_router,
            province_parameters_router,
        ],
        handlers=HANDLERS,
        resources=[payroll_worker],
        platform=platform,
        locales=Path(__file__).parent / "locales",
        code_tables=CODE_TABLES,
        feeds=FEEDS,
        jobs={
            certification_jobs.KIND: certification_jobs.suspension_job,
            payroll_job.KIND: payroll_job.run_job,
            subsidy_job.KIND: subsidy_job.run_job,
            takeover_import_job.KIND: takeover_import_job.run_job,
        },
        # A clerk's run and the calendar's share the dedup key: a period never runs twice.
        job_keys={
            certification_jobs.KIND: certification_jobs.dedup_key,
            subsidy_job.KIND: subsidy_job.dedup_key,
        },
        # PENSION_PAYOUT_DAILY_JOBS=false keeps the calendar off (tests, benchmarks).
        schedule=get_settings().daily_jobs,
    )
