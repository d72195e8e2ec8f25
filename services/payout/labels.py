"""Chinese labels of payout's codes, from its catalogue: answers carry them beside the codes."""

from functools import cache
from pathlib import Path

from services.payout.code_tables import CODE_TABLES
from shared.i18n import catalogue_for
from shared.i18n.code_tables import labels

LOCALES = Path(__file__).parent / "locales"


@cache
def chinese_labels() -> dict[str, dict[str, str]]:
    """Every code table with its Chinese labels (read once)."""
    return labels(catalogue_for(LOCALES), "zh_CN", CODE_TABLES)
