"""The payout printables as HTML (Jinja2 templates, autoescaped)."""

from decimal import Decimal
from pathlib import Path

from services.payout.labels import chinese_labels
from services.payout.printables.schemas import DeterminationSheet, PaymentNotice
from shared.http import printables

TEMPLATES = Path(__file__).parent / "templates"
INPUT_LABELS = {
    "retired_on": "退休日期",
    "retirement_age": "退休年龄（周岁）",
    "age_months": "退休年龄（月）",
    "contribution_months": "实际缴费月数",
    "deemed_months": "视同缴费月数",
    "average_index": "本人平均缴费指数",
    "deemed_index": "视同缴费指数",
    "basic_balance": "个人账户储存额（元）",
    "annuity_balance": "职业年金个人账户余额（元）",
    "wage_base": "计发基数（元）",
    "transition_coefficient": "过渡系数",
    "adjustments": "历次调待累计（元）",
    "final_salary": "老办法：退休前本人基本工资（元）",
    "service_years": "老办法：工作年限（年）",
    "allowances": "老办法：其他津补贴（元）",
}
COMPARISON_LABELS = {
    "new_method": "新办法待遇（元/月）",
    "old_standard": "老办法待遇标准（元/月）",
    "ratio": "新老办法比值",
    "excess_share": "超出部分计发比例",
    "paid": "比较后应发（元/月）",
    "adjustment": "保低限高调整额（元/月）",
}


AMOUNTS = frozenset({"new_method", "old_standard", "paid", "adjustment"})


def _inputs(inputs: dict[str, object]) -> list[tuple[str, object]]:
    """The inputs as (label, value) rows in the order of INPUT_LABELS (the stored document's
    order is the database's), the old-method standard's fields flattened, unknown ones last."""
    flat: dict[str, object] = {}
    for key, value in inputs.items():
        if isinstance(value, dict):
            flat.update(value)
        elif value is not None:
            flat[key] = value
    order = [k for k in INPUT_LABELS if k in flat] + [k for k in flat if k not in INPUT_LABELS]
    return [(INPUT_LABELS.get(k, k), flat[k]) for k in order]


def determination_sheet(sheet: DeterminationSheet) -> str:
    """The whole 待遇核定表; the citizen id as the caller may see it."""
    d = sheet.determination
    comparison = d.comparison or {}
    return printables.render(
        TEMPLATES,
        "determination_sheet.html.j2",
        s=sheet,
        d=d,
        retiree=sheet.retiree.model_dump(mode="json"),
        inputs=_inputs(d.inputs),
        comparison=[
            (label, printables.money(Decimal(comparison[k])) if k in AMOUNTS else comparison[k])
            for k, label in COMPARISON_LABELS.items()
            if k in comparison
        ],
        outcome=chinese_labels()["comparison_outcome"].get(str(comparison.get("outcome")), ""),
    )


def payment_notice(notice: PaymentNotice) -> str:
    """The whole yearly payment notice; the citizen id and account as the caller may see them."""
    return printables.render(
        TEMPLATES,
        "payment_notice.html.j2",
        n=notice,
        retiree=notice.retiree.model_dump(mode="json"),
    )
