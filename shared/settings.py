"""Settings shared by every process, read from PENSION_* environment variables."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"


class PlatformSettings(BaseSettings):
    """Where the shared infrastructure is and how tokens are checked."""

    model_config = SettingsConfigDict(env_prefix="PENSION_", extra="ignore")

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/pension"
    nats_url: str = "nats://127.0.0.1:54222"
    # Tests give each run its own stream and subject prefix so they never see each other.
    stream_name: str = "PENSION"
    subject_prefix: str = ""
    stream_duplicate_window_seconds: int = 120

    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    jwt_audience: str = "pension-back-office"
    jwt_issuer: str = "pension-gateway"
    jwt_ttl_seconds: int = 3600

    log_level: str = "INFO"
    log_json: bool = True

    # Connections per process for the hottest reads (asyncpg, beside SQLAlchemy's pool).
    read_pool_size: int = Field(default=10, ge=1, le=100)

    relay_batch_size: int = 2000
    relay_poll_seconds: float = 1.0
    # Published outbox rows are deleted after this long (hourly); JetStream keeps the events.
    outbox_retention_hours: float = 168.0
    consumer_max_deliver: int = 5
    consumer_ack_wait_seconds: float = 30.0


@lru_cache
def get_platform_settings() -> PlatformSettings:
    """Return the process-wide platform settings (cached; tests build their own)."""
    return PlatformSettings()
