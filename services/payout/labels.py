"""Chinese labels of payout's codes, from its catalogue: answers carry them beside the codes."""

from functools import cache
from pathlib import Path

from services.payout.code_tables import CODE_TABLES
from shared.http.errors import problem_text
from shared.i18n import catalogue_for
from shared.i18n.code_tables import labels
from shared.problems import ProblemError

LOCALES = Path(__file__).parent / "locales"


@cache
def chinese_labels() -> dict[str, dict[str, str]]:
    """Every code table with its Chinese labels (read once)."""
    return labels(catalogue_for(LOCALES), "zh_CN", CODE_TABLES)


def chinese_detail(exc: ProblemError) -> str:
    """A refusal's Chinese text, where it is kept beside its code (skipped items, records)."""
    return problem_text(exc, catalogue_for(LOCALES))
