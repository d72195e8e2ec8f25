"""Enrollment settings (PENSION_ENROLLMENT_*)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

SCHEMA = "enrollment"


class Settings(BaseSettings):
    """Settings of this service only; shared infrastructure is in PlatformSettings."""

    model_config = SettingsConfigDict(env_prefix="PENSION_ENROLLMENT_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8101


@lru_cache
def get_settings() -> Settings:
    """Cached settings."""
    return Settings()
