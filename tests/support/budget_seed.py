"""The seed's budget years, loaded once for the budget unit tests."""

import json
from pathlib import Path

from services.budget.domain.document import YearDocument

SEED = Path(__file__).parents[2] / "deploy/local/budget_wusheng_2020.json"


def seed_years() -> tuple[YearDocument, YearDocument]:
    years = json.loads(SEED.read_text(encoding="utf-8"))["years"]
    prior, current = (YearDocument.model_validate(y) for y in years)
    return prior, current
