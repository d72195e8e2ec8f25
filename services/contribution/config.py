"""Contribution settings (PENSION_CONTRIBUTION_*)."""

from datetime import date
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SCHEMA = "contribution"


class Settings(BaseSettings):
    """Settings of this service only; shared infrastructure is in PlatformSettings."""

    model_config = SettingsConfigDict(env_prefix="PENSION_CONTRIBUTION_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8102
    # Each bank's signing secrets (several during a rotation). Demo value only: production
    # sets PENSION_CONTRIBUTION_BANK_SECRETS='{"bank-psbc": ["..."]}'.
    # The plausible range of dates: nothing in contribution is dated before the reform of
    # 2014-10-01 (国发〔2015〕2号), and plans are made at most this many months ahead.
    earliest_date: date = date(2014, 10, 1)
    plan_months_ahead: int = Field(default=3, ge=0, le=24)
    bank_secrets: dict[str, list[str]] = Field(
        default_factory=lambda: {"bank-psbc": ["bank-psbc-demo-signing-secret"]}
    )


@lru_cache
def get_settings() -> Settings:
    """Cached settings."""
    return Settings()
