"""Enrollment's message catalogue, for texts written outside a problem answer (rows, results)."""

from pathlib import Path
from typing import Any

from shared.i18n import DEFAULT_LOCALE, catalogue_for

LOCALES = Path(__file__).parent / "locales"


def text(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """The catalogue message for a key in the caller's language, filled in (the key if none)."""
    return catalogue_for(LOCALES).text(key, locale, params) or key
