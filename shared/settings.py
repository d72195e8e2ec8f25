"""Settings shared by every process, read from PENSION_* environment variables."""

import hashlib
from datetime import date
from functools import lru_cache
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-secret-change-me-in-production-0123456789"
DEV_LINK_SECRET = "dev-only-link-secret-change-me-in-production-0123"
DEV_PUSH_SECRET = "dev-only-push-secret-change-me-in-production-0123"
# Values that have ever been shipped as examples; a process outside dev mode refuses them.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        DEV_JWT_SECRET,
        DEV_LINK_SECRET,
        DEV_PUSH_SECRET,
        "change-me-change-me-change-me-change-me-0123456789",
        "CHANGE-ME",
        "changeme",
        "secret",
        "bank-psbc-demo-signing-secret",
    }
)
MIN_SECRET_BYTES = 32


class InsecureSettingError(ValueError):
    """A setting that must never reach production has a default or weak value."""


def check_secret(name: str, value: str, *, dev_mode: bool) -> None:
    """Refuse a default or short secret outside dev mode (tests and `make up` set dev mode)."""
    if dev_mode:
        return
    if value in KNOWN_DEFAULT_SECRETS or "change-me" in value.lower():
        raise InsecureSettingError(
            f"{name} is a published default; set a random secret or PENSION_DEV_MODE=1."
        )
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise InsecureSettingError(
            f"{name} is shorter than {MIN_SECRET_BYTES} bytes; set a longer random secret."
        )


def check_secrets(name: str, values: list[str], *, dev_mode: bool) -> None:
    """Every secret of a rotation list passes `check_secret` (docs/operations.md 6)."""
    for index, value in enumerate(values):
        check_secret(f"{name}[{index}]", value, dev_mode=dev_mode)


def key_id(secret: str) -> str:
    """A public name for a shared secret (a token's `kid`, the push's key header): a hash
    prefix, so the receiver picks the right secret during a rotation and the secret stays
    unguessable (32+ random bytes)."""
    return hashlib.sha256(b"pension-key-id\n" + secret.encode()).hexdigest()[:16]


def check_bank_secrets(name: str, secrets: dict[str, list[str]], *, dev_mode: bool) -> None:
    """Every bank's signing secrets pass `check_secret` (the demo secret only in dev mode)."""
    for bank, values in secrets.items():
        for value in values:
            check_secret(f"{name}[{bank}]", value, dev_mode=dev_mode)


def require_service_credential(settings: "PlatformSettings") -> None:
    """At an app's start: outside dev mode the service credential is set and strong."""
    credentials = settings.gateway_credentials()
    if settings.dev_mode and not credentials:
        return
    if not credentials:
        raise InsecureSettingError(
            "PENSION_SERVICE_CREDENTIAL is not set: services would accept calls from anyone "
            "who reaches them; set a random secret (the same for the gateway and services)."
        )
    if settings.service_credentials:
        check_secrets("PENSION_SERVICE_CREDENTIALS", credentials, dev_mode=settings.dev_mode)
    else:
        check_secret("PENSION_SERVICE_CREDENTIAL", credentials[0], dev_mode=settings.dev_mode)


class PlatformSettings(BaseSettings):
    """Where the shared infrastructure is and how tokens are checked."""

    # Empty variables count as unset (compose passes optional ones through empty).
    model_config = SettingsConfigDict(env_prefix="PENSION_", extra="ignore", env_ignore_empty=True)

    # Development mode allows the published secrets and demo logins; `make up` and the
    # test harness set it, nothing else should.
    dev_mode: bool = False

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/pension"
    # A standby for lists, which tolerate a little lag (services/README.md, "Reads from the
    # standby"); unset, every read goes to the primary. Several hosts may be named
    # (`?host=a:5432&host=b:5432&target_session_attrs=prefer-standby`) as in database_url.
    database_read_url: str | None = None
    # How long reads stay on the primary after the standby failed to connect.
    standby_retry_seconds: float = Field(5.0, gt=0, le=300)
    # One URL, or several comma-separated (a cluster's nodes): the client connects to any
    # and reconnects to another live one when its node goes away.
    nats_url: str = "nats://127.0.0.1:54222"
    # Copies JetStream keeps of the domain stream, its consumers and the revocations bucket:
    # 1 on a single server, 3 on a three-node cluster (survives the loss of one node).
    nats_replicas: int = Field(1, ge=1, le=5)
    # Tests give each run its own stream and subject prefix so they never see each other.
    stream_name: str = "PENSION"
    subject_prefix: str = ""
    stream_duplicate_window_seconds: int = 120

    jwt_secret: str = DEV_JWT_SECRET
    # Rotation without a refused request (docs/operations.md 6): instead of the one secret,
    # a list (JSON) whose first signs and any of which verifies. Likewise for the link
    # secret and the service credential (the gateway sends the first, services accept any).
    jwt_secrets: list[str] = Field(default_factory=list)
    link_secrets: list[str] = Field(default_factory=list)
    service_credentials: list[str] = Field(default_factory=list)
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    jwt_audience: str = "pension-back-office"
    jwt_issuer: str = "pension-gateway"
    jwt_ttl_seconds: int = 3600
    # The verifier refuses tokens that live longer than this, whoever issued them.
    jwt_max_ttl_seconds: int = 12 * 3600
    # An agency's identity provider (OIDC): RS256/ES256 keys from its JWKS document.
    jwt_jwks_url: str | None = None
    jwt_jwks_cache_seconds: int = 300
    # Signed links to printables (shared/http/signed_links.py): a browser opens a page with
    # no Authorization header. Its own secret (never the token secret), the same in the
    # gateway and every service; unset, dev mode signs with DEV_LINK_SECRET and any other
    # process hands out and accepts no link at all. A link lives link_ttl_seconds.
    link_secret: str | None = None
    link_ttl_seconds: int = Field(300, ge=30, le=3600)
    # The agency named on printables handed to units and retirees (催缴通知书, notices).
    agency_name: str = Field("机关事业单位养老保险经办机构", min_length=2, max_length=100)
    # The gateway's credential on every call it makes to a service (header
    # X-Gateway-Credential): services refuse calls without it. Required outside dev mode
    # (`require_service_credential`, at app start); unset in dev mode, nothing is checked.
    service_credential: str | None = None
    # How often each service re-reads the live revocations the gateway publishes.
    revocation_refresh_seconds: float = Field(2.0, gt=0, le=60)
    # Banks' signatures cover method, path and body (version 2). Until this date the old
    # signature over timestamp and body only is accepted too (a transition; unset: never).
    bank_signature_v1_until: date | None = None

    # Edge mode (docs/edge.md): nginx forwards /v1/<service>/... straight to the services,
    # which then check what the gateway checks before forwarding (shared/http/edge_guard.py):
    # token or link, revocation, the coarse policy, the per-caller limit and CORS for these
    # exact origins, and cap their answers as the gateway does. The limit is a local bucket
    # per process (rate, burst) whose counts go to the gateway over NATS every sync interval
    # (shared/http/edge_rate_limit.py); the gateway's shared window holds over them all.
    edge_data_path: bool = False
    edge_rate_limit_per_second: float = Field(200.0, gt=0)
    edge_rate_limit_burst: int = Field(400, ge=1)
    edge_rate_limit_sync_seconds: float = Field(0.5, gt=0, le=10)
    # The gateway's PENSION_GATEWAY_MAX_RESPONSE_BYTES: keep both equal.
    edge_max_response_bytes: int = Field(200 * 1024 * 1024, ge=1024)
    edge_cors_origins: list[Annotated[str, Field(pattern=r"^https?://[^/?#*]+$")]] = Field(
        default_factory=list
    )

    # uvicorn worker processes per app: `make up`, compose and k8s pass it as --workers.
    workers: int = Field(1, ge=1, le=64)

    log_level: str = "INFO"
    log_json: bool = True

    # Connections per process for the hottest reads (asyncpg, beside SQLAlchemy's pool).
    read_pool_size: int = Field(default=10, ge=1, le=100)

    relay_batch_size: int = 2000
    relay_poll_seconds: float = 1.0
    # How long a batch waits for JetStream's acks; a batch with none checks the connection.
    relay_ack_timeout_seconds: float = 3.0
    # Health says the relay is degraded when the oldest unpublished event is older than this.
    relay_stale_seconds: float = 30.0
    nats_ping_interval_seconds: float = 2.0
    # Published outbox rows are deleted after this long (hourly); JetStream keeps the events.
    outbox_retention_hours: float = 168.0
    # Bounded work per request (issue #17 item 4, docs/security.md "Bounded requests"): a
    # body above its cap is refused (413) before it is read, before any route or token check.
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Upload routes (XLSX/CSV) take up to this many bytes instead, then the upload's own caps.
    upload_max_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    upload_max_rows: int = Field(100_000, ge=1)
    upload_max_columns: int = Field(64, ge=1, le=16_384)
    upload_max_cells: int = Field(1_000_000, ge=1)
    upload_max_unzipped_bytes: int = Field(128 * 1024 * 1024, ge=1024)
    upload_max_zip_ratio: int = Field(100, ge=2)
    upload_max_zip_entries: int = Field(1_000, ge=1)
    # A list downloaded as XLSX/CSV (shared/http/downloads.py) holds at most this many rows.
    download_max_rows: int = Field(200_000, ge=1, le=1_000_000)
    # A download of more rows than this is a job (202, docs/jobs.md "Large downloads"): the
    # file is written into PostgreSQL and only the caller who asked fetches it, for this long.
    export_job_rows: int = Field(10_000, ge=1)
    export_retention_days: int = Field(7, ge=1, le=365)
    # Outbound push of the change feeds to the provincial platform (docs/province.md,
    # "Outbound push"): no URL, no push. Signed with its own secret; without one, dev mode
    # signs with DEV_PUSH_SECRET and any other process refuses to start.
    province_push_url: str | None = Field(None, pattern=r"^https?://[^/?#]+")
    # OTLP/HTTP collector (e.g. http://otel-collector:4318): traces are exported only when
    # set; unset, the OpenTelemetry SDK is not even imported (docs/observability.md).
    otel_endpoint: str | None = Field(None, pattern=r"^https?://[^/?#]+")
    province_push_secret: str | None = None
    province_push_batch_size: int = Field(1_000, ge=1, le=10_000)
    province_push_poll_seconds: float = Field(0.5, gt=0, le=60)
    province_push_timeout_seconds: float = Field(10.0, gt=0, le=300)
    province_push_max_backoff_seconds: float = Field(30.0, gt=0, le=3600)
    # Jobs and the calendar (docs/jobs.md): a runner's lease, renewed while it works; how
    # often an idle runner looks for work and the scheduler for due occurrences.
    job_lease_seconds: float = Field(30.0, gt=0, le=3600)
    job_poll_seconds: float = Field(1.0, gt=0, le=60)
    scheduler_enabled: bool = True
    scheduler_check_seconds: float = Field(30.0, gt=0, le=3600)
    consumer_max_deliver: int = 5
    consumer_ack_wait_seconds: float = 30.0

    @model_validator(mode="after")
    def _enforce_non_default_secrets(self) -> "PlatformSettings":
        for one, many in (
            ("jwt_secret", "jwt_secrets"),
            ("link_secret", "link_secrets"),
            ("service_credential", "service_credentials"),
        ):
            # Both set (compose and the k8s secret keep the single one): the list counts,
            # and the single one must be in it, so the two never tell different stories.
            listed = getattr(self, many)
            if listed and one in self.model_fields_set and getattr(self, one) not in listed:
                raise ValueError(
                    f"PENSION_{one.upper()} is not among PENSION_{many.upper()}; "
                    f"set only the list, or a single value that is in it"
                )
        if any(a.startswith("HS") for a in self.jwt_algorithms):
            if self.jwt_secrets:
                check_secrets("PENSION_JWT_SECRETS", self.jwt_secrets, dev_mode=self.dev_mode)
            else:
                check_secret("PENSION_JWT_SECRET", self.jwt_secret, dev_mode=self.dev_mode)
        if self.link_secrets or self.link_secret is not None:
            links = self.link_keys()
            if self.link_secrets:
                check_secrets("PENSION_LINK_SECRETS", links, dev_mode=self.dev_mode)
            else:
                check_secret("PENSION_LINK_SECRET", links[0], dev_mode=self.dev_mode)
            if not self.dev_mode and set(links) & set(self.jwt_keys()):
                raise InsecureSettingError(
                    "PENSION_LINK_SECRET must differ from PENSION_JWT_SECRET."
                )
        if self.province_push_secret is not None:
            check_secret(
                "PENSION_PROVINCE_PUSH_SECRET", self.province_push_secret, dev_mode=self.dev_mode
            )
        elif self.province_push_url is not None and not self.dev_mode:
            raise InsecureSettingError(
                "PENSION_PROVINCE_PUSH_URL is set without PENSION_PROVINCE_PUSH_SECRET."
            )
        if self.jwt_ttl_seconds > self.jwt_max_ttl_seconds:
            raise InsecureSettingError("PENSION_JWT_TTL_SECONDS exceeds jwt_max_ttl_seconds.")
        return self

    @property
    def nats_servers(self) -> list[str]:
        """The NATS URLs of nats_url (nats-py takes the list and picks a live one)."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

    def jwt_keys(self) -> list[str]:
        """The HS token secrets: the first signs, any verifies."""
        return self.jwt_secrets or [self.jwt_secret]

    def link_keys(self) -> list[str]:
        """The secrets of printable links, the first signing: the configured ones, the dev
        one in dev mode, or none (links are neither handed out nor accepted)."""
        if self.link_secrets:
            return self.link_secrets
        if self.link_secret is not None:
            return [self.link_secret]
        return [DEV_LINK_SECRET] if self.dev_mode else []

    def gateway_credentials(self) -> list[str]:
        """The credentials services accept from the gateway; the gateway sends the first.
        Empty (dev mode only): nothing is sent or checked."""
        if self.service_credentials:
            return self.service_credentials
        return [self.service_credential] if self.service_credential is not None else []

    def push_signing_secret(self) -> str | None:
        """The secret province pushes are signed with: the configured one, the dev one in
        dev mode, or None."""
        if self.province_push_secret is not None:
            return self.province_push_secret
        return DEV_PUSH_SECRET if self.dev_mode else None


@lru_cache
def get_platform_settings() -> PlatformSettings:
    """Return the process-wide platform settings (cached; tests build their own)."""
    return PlatformSettings()
