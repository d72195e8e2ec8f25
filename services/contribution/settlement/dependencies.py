"""The bank's caller checks: its own token, and an HMAC signature over the raw body."""

from services.contribution.config import SCHEMA, get_settings
from shared.http.bank_signature import bank_checks

_checks = bank_checks(SCHEMA, lambda: get_settings().bank_secrets)
bank_caller = _checks.caller
signed_by_bank = _checks.signed
