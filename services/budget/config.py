"""Budget settings (PENSION_BUDGET_*)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

SCHEMA = "budget"


class Settings(BaseSettings):
    """Settings of this service only; shared infrastructure is in PlatformSettings."""

    model_config = SettingsConfigDict(env_prefix="PENSION_BUDGET_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8104
    # The department whose final accounts carry what payout pays (the pension agency itself).
    payout_department: str = "wusheng-jgsybx"


@lru_cache
def get_settings() -> Settings:
    """Cached settings."""
    return Settings()
