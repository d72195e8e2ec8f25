"""Gateway settings (PENSION_GATEWAY_*)."""

import ipaddress
from functools import lru_cache

from pydantic import AliasChoices, BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.passwords import demo_hash, is_password_hash, verify_password
from shared.settings import InsecureSettingError

# Two clerks so that four-eyes reviews (submitter != approver) can be tried locally.
DEMO_USERS = {
    "clerk": ["clerk"],
    "clerk2": ["clerk"],
    "finance": ["finance"],
    "auditor": ["auditor"],
    "admin": ["admin"],
}
# Machine callers use the client-credentials grant; the client id is the subject.
DEMO_CLIENTS = {"bank-psbc": ["bank"], "province": ["province"]}


class LocalUser(BaseModel):
    """A user or client of the embedded identity provider: an argon2 hash and roles.

    `addresses` (clients: a bank's or the province's networks, CIDRs): when set, the secret
    is checked only from these addresses, and failures elsewhere never slow the client.
    """

    password_hash: str
    roles: list[str]
    addresses: list[str] | None = None

    @field_validator("addresses")
    @classmethod
    def _networks(cls, addresses: list[str] | None) -> list[str] | None:
        for network in addresses or []:
            ipaddress.ip_network(network, strict=False)  # a ValueError names the bad one
        return addresses


def _demo(registry: dict[str, list[str]]) -> dict[str, "LocalUser"]:
    # The password of each demo login is '<name>-demo'; dev mode only.
    return {
        name: LocalUser(password_hash=demo_hash(f"{name}-demo"), roles=roles)
        for name, roles in registry.items()
    }


class GatewaySettings(BaseSettings):
    """Where the services are, who may log in, and how hard callers may push."""

    model_config = SettingsConfigDict(
        env_prefix="PENSION_GATEWAY_", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    dev_mode: bool = Field(False, validation_alias=AliasChoices("PENSION_DEV_MODE", "dev_mode"))
    host: str = "127.0.0.1"
    port: int = 8000
    # A service's replicas as comma-separated URLs ("http://a:8103,http://b:8103"): calls
    # take them in turn, and one that cannot reach a replica tries the next
    # (gateway/upstreams.py).
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "enrollment": "http://127.0.0.1:8101",
            "contribution": "http://127.0.0.1:8102",
            "payout": "http://127.0.0.1:8103",
            "budget": "http://127.0.0.1:8104",
        }
    )
    connect_timeout_seconds: float = 2.0
    # A request body up to this size is kept while forwarded, so that a call whose replica
    # died under it can be sent to another (a larger one is streamed once, never retried).
    retry_body_bytes: int = Field(1024 * 1024, ge=0)
    upstream_timeout_seconds: float = 15.0
    health_probe_timeout_seconds: float = 1.0
    max_body_bytes: int = 50 * 1024 * 1024
    max_response_bytes: int = 200 * 1024 * 1024
    # Per caller (token subject): a local token bucket for bursts, and per_second × window
    # requests per window summed over every gateway process (synced through PostgreSQL).
    rate_limit_per_second: float = 200.0
    rate_limit_burst: int = 400
    rate_limit_window_seconds: float = 10.0
    rate_limit_sync_seconds: float = 0.5
    # The embedded identity provider. Unset: the demo logins in dev mode, nobody otherwise
    # (production uses the agency's identity provider through PENSION_JWT_JWKS_URL).
    users: dict[str, LocalUser] | None = None
    clients: dict[str, LocalUser] | None = None
    # Login throttling (gateway/security/throttle.py): free failures per name guessed from
    # one address, per address, and per name from anywhere; then a doubling delay, capped
    # at max_delay for a pair or an address and at max_user_delay (a slow-down that never
    # refuses) for a name. Addresses with a success in known_address_days pass address locks.
    login_free_per_pair: int = 5
    login_free_per_address: int = 20
    login_free_per_user: int = 10
    login_base_delay_seconds: float = 1.0
    login_max_delay_seconds: float = 900.0
    login_max_user_delay_seconds: float = Field(5.0, ge=0.0, le=30.0)
    login_window_seconds: float = 900.0
    login_known_address_days: float = 90.0
    # How often each gateway process reloads revocations from PostgreSQL.
    revocation_refresh_seconds: float = 2.0
    openapi_cache_seconds: float = 30.0
    # Browser front ends allowed to call the API (exact origins, e.g. https://ui.example).
    cors_origins: list[str] = Field(default_factory=list)
    # The edge's address(es) (CIDRs): only a caller from these is believed about the client's
    # address in X-Forwarded-For (login throttling, the address services see). Empty: nobody.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, networks: list[str]) -> list[str]:
        for network in networks:
            ipaddress.ip_network(network, strict=False)  # a ValueError names the bad one
        return networks

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin == "*" or not origin.startswith(("https://", "http://")):
                raise ValueError(f"CORS origins are exact scheme://host[:port], not {origin!r}")
        return origins

    @model_validator(mode="after")
    def _enforce_no_demo_logins(self) -> "GatewaySettings":
        if self.users is None:
            self.users = _demo(DEMO_USERS) if self.dev_mode else {}
        if self.clients is None:
            self.clients = _demo(DEMO_CLIENTS) if self.dev_mode else {}
        if self.dev_mode:
            return self
        for kind, registry in (("users", self.users), ("clients", self.clients)):
            for name, entry in registry.items():
                if not is_password_hash(entry.password_hash):
                    raise InsecureSettingError(
                        f"PENSION_GATEWAY_{kind.upper()}: {name!r} needs an argon2 hash "
                        "(python -m gateway.passwords), not a plaintext password."
                    )
                if verify_password(entry.password_hash, f"{name}-demo"):
                    raise InsecureSettingError(
                        f"PENSION_GATEWAY_{kind.upper()}: {name!r} has its demo password."
                    )
        return self


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    """Cached settings."""
    return GatewaySettings()
