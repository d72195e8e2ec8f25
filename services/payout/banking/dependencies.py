"""The bank's caller checks: its own token, and an HMAC signature over the raw body, checked
before the body is parsed."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel

from services.payout.config import SCHEMA, get_settings
from shared.http.bank_signature import bank_checks
from shared.http.signed_bodies import signed_body as shared_signed_body

M = TypeVar("M", bound=BaseModel)

_checks = bank_checks(SCHEMA, lambda: get_settings().bank_secrets)
bank_caller = _checks.caller
signed_by_bank = _checks.signed


def signed_body(model: type[M]) -> Callable[..., Awaitable[M]]:
    """The body as `model`, parsed once the bank's signature over the raw bytes holds."""
    return shared_signed_body(model, signed_by_bank)
