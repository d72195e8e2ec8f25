"""Payout settings (PENSION_PAYOUT_*)."""

from functools import lru_cache

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import check_bank_secrets

SCHEMA = "payout"


class Settings(BaseSettings):
    """Settings of this service only; shared infrastructure is in PlatformSettings."""

    model_config = SettingsConfigDict(env_prefix="PENSION_PAYOUT_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8103
    # Payroll runs: retirees per transaction, chunks worked at once (each its own database
    # connection), how long a worker's claim on a run lasts without renewal (after a crash,
    # another worker or the restarted one resumes after it), and how often an idle worker
    # looks for queued runs.
    payroll_chunk: int = 5000
    payroll_parallel: int = Field(2, ge=1, le=16)
    run_lease_seconds: float = 30.0
    worker_poll_seconds: float = 0.5
    # The daily suspension job for overdue certifications (off in tests that date the clock).
    daily_jobs: bool = True
    # Each bank's signing secrets (several during a rotation). Demo value only: production
    # sets PENSION_PAYOUT_BANK_SECRETS='{"bank-psbc": ["..."]}'.
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

    # Which retirees' bank each bank client serves: client id -> bank code of the accounts.
    bank_codes: dict[str, str] = Field(default_factory=lambda: {"bank-psbc": "PSBC"})


@lru_cache
def get_settings() -> Settings:
    """Cached settings."""
    return Settings()
