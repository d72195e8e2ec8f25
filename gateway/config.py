"""Gateway settings (PENSION_GATEWAY_*)."""

from functools import lru_cache

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LocalUser(BaseModel):
    """A user of the embedded identity provider (development and demo only)."""

    password: str
    roles: list[str]


def _demo_users() -> dict[str, LocalUser]:
    # Two clerks so that four-eyes reviews (submitter != approver) can be tried locally.
    return {
        "clerk": LocalUser(password="clerk-demo", roles=["clerk"]),
        "clerk2": LocalUser(password="clerk2-demo", roles=["clerk"]),
        "finance": LocalUser(password="finance-demo", roles=["finance"]),
        "auditor": LocalUser(password="auditor-demo", roles=["auditor"]),
        "admin": LocalUser(password="admin-demo", roles=["admin"]),
    }


def _demo_clients() -> dict[str, LocalUser]:
    # Machine callers use the client-credentials grant; the client id is the subject.
    return {
        "bank-psbc": LocalUser(password="bank-psbc-demo", roles=["bank"]),
        "province": LocalUser(password="province-demo", roles=["province"]),
    }


class GatewaySettings(BaseSettings):
    """Where the services are, who may log in, and how hard callers may push."""

    model_config = SettingsConfigDict(env_prefix="PENSION_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "enrollment": "http://127.0.0.1:8101",
            "contribution": "http://127.0.0.1:8102",
            "payout": "http://127.0.0.1:8103",
            "budget": "http://127.0.0.1:8104",
        }
    )
    connect_timeout_seconds: float = 2.0
    upstream_timeout_seconds: float = 15.0
    health_probe_timeout_seconds: float = 1.0
    max_body_bytes: int = 50 * 1024 * 1024
    # Token bucket per caller (token subject, or client address before login).
    rate_limit_per_second: float = 200.0
    rate_limit_burst: int = 400
    # The embedded identity provider; production sets users empty and uses an external IdP.
    users: dict[str, LocalUser] = Field(default_factory=_demo_users)
    clients: dict[str, LocalUser] = Field(default_factory=_demo_clients)
    openapi_cache_seconds: float = 30.0


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    """Cached settings."""
    return GatewaySettings()
