"""The 催缴通知书 as printable HTML (a Jinja2 template, autoescaped)."""

from decimal import Decimal
from pathlib import Path

from services.contribution.notices.schemas import ArrearsNotice
from shared.http import printables

TEMPLATES = Path(__file__).parent / "templates"
# Under the headers 基本养老保险 and 职业年金 (the template's first header row).
ITEM_LABELS = {
    "basic_unit": "单位",
    "basic_individual": "个人",
    "annuity_unit": "单位",
    "annuity_individual": "个人",
}


def render(notice: ArrearsNotice) -> str:
    """The whole notice; person ids as the caller may see them (shared.http.masking)."""
    return printables.render(
        TEMPLATES,
        "arrears_notice.html.j2",
        n=notice,
        persons=[p.model_dump(mode="json") for p in notice.persons],
        items=ITEM_LABELS,
        # 0.0005 a day reads 日万分之五 on paper.
        per_ten_thousand=format((Decimal(notice.late_fee_daily_rate) * 10000).normalize(), "f"),
    )
