"""Contribution settings (PENSION_CONTRIBUTION_*)."""

from datetime import date
from functools import lru_cache

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import check_bank_secrets

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
    # Outside dev mode the demo secret above, or any short one, stops the service at start.
    dev_mode: bool = Field(False, validation_alias=AliasChoices("PENSION_DEV_MODE", "dev_mode"))

    @model_validator(mode="after")
    def _enforce_bank_secrets(self) -> "Settings":
        check_bank_secrets(
            f"PENSION_{SCHEMA.upper()}_BANK_SECRETS", self.bank_secrets, dev_mode=self.dev_mode
        )
        return self


@lru_cache
def get_settings() -> Settings:
    """Cached settings."""
    return Settings()
