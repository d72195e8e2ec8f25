"""Payout tests date their own clock: the daily suspension job stays off unless a test runs it."""

import pytest

from services.payout.config import get_settings


@pytest.fixture(autouse=True)
def no_daily_jobs(monkeypatch):
    monkeypatch.setenv("PENSION_PAYOUT_DAILY_JOBS", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
