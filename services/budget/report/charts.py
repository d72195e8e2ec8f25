"""Figures 1–7 of the report as inline SVG drawn by pygal (Chinese labels stay text)."""

from decimal import Decimal

import pygal
from pygal.style import Style

from services.budget.report.view import Row, View, fmt

FONT = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
STYLE = Style(
    font_family=FONT,
    background="white",
    plot_background="white",
    colors=("#2f5597", "#c55a11", "#548235", "#7f6000", "#7030a0", "#1f7f7f", "#a5a5a5"),
    title_font_size=18,
    legend_font_size=13,
    value_font_size=12,
    label_font_size=13,
)


def _config(title: str) -> dict:
    return {
        "title": title,
        "style": STYLE,
        "js": [],  # no tooltips script from a CDN: the page must print offline
        "disable_xml_declaration": True,
        "width": 640,
        "height": 360,
        "legend_at_bottom": True,
        "print_values": True,
        "value_formatter": lambda v: fmt(Decimal(str(v))),
        "no_data_text": "本年无数据",
    }


def bar(
    title: str, years: tuple[int, int], series: list[tuple[str, Decimal | None, Decimal | None]]
):
    """A bar chart: each series' prior and current year (万元)."""
    chart = pygal.Bar(**_config(title), x_labels=[f"{years[0]}年", f"{years[1]}年"])
    for name, before, now in series:
        chart.add(name, [_num(before), _num(now)])
    return chart.render(is_unicode=True)


def pie(title: str, rows: list[Row]):
    """A pie chart of the rows' amounts (rows of zero are left out, as the seed's are)."""
    chart = pygal.Pie(**_config(title), inner_radius=0)
    for row in rows:
        if row.amount:
            share = "" if row.share is None else f" {fmt(row.share)}%"
            chart.add(f"{row.label}{share}", _num(row.amount))
    return chart.render(is_unicode=True)


def _num(value: Decimal | None) -> float | None:
    # pygal draws with floats; the figures printed beside the bars come from exact Decimals
    return None if value is None else float(value)


def figures(view: View) -> dict[int, str]:
    """The seven figures of the seed's report, by number."""
    y = view.doc.year
    years = (y - 1, y)
    v = view.value
    return {
        1: bar(
            "图1：收、支决算总计变动情况图",
            years,
            [
                ("收入总计", v("income.total", True), v("income.total")),
                ("支出总计", v("expenditure.total", True), v("expenditure.total")),
            ],
        ),
        2: pie("图2：收入决算结构图", view.part_rows("income")),
        3: pie("图3：支出决算结构图", view.part_rows("expenditure")),
        4: bar(
            "图4：财政拨款收、支决算总计变动情况",
            years,
            [
                ("财政拨款收入总计", v("fiscal.income", True), v("fiscal.income")),
                ("财政拨款支出总计", v("fiscal.expenditure", True), v("fiscal.expenditure")),
            ],
        ),
        5: bar(
            "图5：一般公共预算财政拨款支出决算变动情况",
            years,
            [("一般公共预算财政拨款支出", v("functional.total", True), v("functional.total"))],
        ),
        6: pie("图6：一般公共预算财政拨款支出决算结构", view.part_rows("functional")),
        7: pie(
            "图7：“三公”经费财政拨款支出结构",
            [
                view.row("three_public.outbound", "three_public.total"),
                view.row("three_public.vehicle", "three_public.total"),
                view.row("three_public.reception", "three_public.total"),
            ],
        ),
    }
