"""Request and response models of the gateway's security administration."""

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from shared.i18n import Invalid


class RevocationIn(BaseModel):
    """Revoke one token (token_id, its jti) or every token of a subject issued until now."""

    subject: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[^\x00]+$")
    token_id: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[^\x00]+$")
    reason: str = Field(min_length=1, max_length=500, pattern=r"^[^\x00]+$")

    @model_validator(mode="after")
    def _one_target(self) -> "RevocationIn":
        if (self.subject is None) == (self.token_id is None):
            raise Invalid("revocation_target_required", field="subject")
        return self


class RevocationOut(BaseModel):
    """A recorded revocation."""

    id: int
    subject: str | None
    token_id: str | None
    not_before: datetime | None
    expires_at: datetime
    reason: str
    revoked_by: str
    revoked_at: datetime


class ThrottleOut(BaseModel):
    """Failed logins of one name from one address ('pair:<name>@<ip>'), one address
    ('addr:<ip>') or one name from anywhere ('user:<name>')."""

    key: str
    failures: int
    first_failure_at: datetime
    last_failure_at: datetime
    locked_until: datetime
    locked: bool
