"""The report's tables as XLSX (openpyxl): one sheet per table, amounts in 万元 to two places."""

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from services.budget.domain import labels
from services.budget.domain.checker import Finding
from services.budget.report.schemas import RollupOut
from services.budget.report.view import Row, View

CENT = Decimal("0.01")
HEAD = [
    "项目",
    "预算数（万元）",
    "决算数（万元）",
    "占比",
    "完成预算",
    "上年数（万元）",
    "增减额（万元）",
    "增减率",
]


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)


def _rate(value: Decimal | None) -> Decimal | None:
    # stored as a fraction with a percent format, so Excel shows 34.56% and sums correctly
    return None if value is None else (value / 100).quantize(Decimal("0.000001"))


def _sheet(wb: Workbook, title: str, caption: str) -> Worksheet:
    ws = wb.create_sheet(title)
    ws.append([caption])
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 44
    for col in "BCDEFGH":
        ws.column_dimensions[col].width = 15
    return ws


def _rows(ws: Worksheet, rows: list[Row], total: Row | None = None) -> None:
    ws.append(HEAD)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in [*rows, *([total] if total else [])]:
        share = r.share if r is not total else (Decimal(100) if r.amount else None)
        ws.append(
            [
                r.label,
                _money(r.budget),
                _money(r.amount),
                _rate(share),
                _rate(r.completion),
                _money(r.prior),
                _money(r.change),
                _rate(r.growth),
            ]
        )
        for cell in ws[ws.max_row][1:]:
            is_rate = cell.column_letter in "DEH"
            cell.number_format = "0.00%" if is_rate else "#,##0.00"
        if r is total:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)


def build_xlsx(view: View, findings: list[Finding]) -> bytes:
    """Every table of the report, and the checker's findings, in one workbook."""
    d, year = view.doc, view.doc.year
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    ws = _sheet(wb, "收支总体", f"{d.department.name}{year}年度收入支出决算总体情况")
    _rows(ws, [view.row("income.total"), view.row("expenditure.total")])
    ws = _sheet(wb, "收入", "收入决算情况")
    _rows(ws, view.part_rows("income"), view.row("income.total"))
    ws = _sheet(wb, "支出", "支出决算情况")
    _rows(ws, view.part_rows("expenditure"), view.row("expenditure.total"))
    ws = _sheet(wb, "财政拨款", "财政拨款收入支出决算总体情况")
    _rows(ws, [view.row("fiscal.income"), view.row("fiscal.expenditure")])
    ws = _sheet(wb, "一般公共预算支出", "一般公共预算财政拨款支出决算（功能分类）")
    _rows(ws, view.part_rows("functional"), view.row("functional.total"))
    ws = _sheet(wb, "基本支出", "一般公共预算财政拨款基本支出决算（经济分类）")
    groups = [view.row(f"economic.{g}", "economic.total") for g in labels.ECONOMIC_GROUPS]
    _rows(ws, groups + view.part_rows("economic", "economic.total"), view.row("economic.total"))
    ws = _sheet(wb, "三公经费", "“三公”经费财政拨款支出决算")
    items = ["outbound", "vehicle", "vehicle_purchase", "vehicle_running", "reception"]
    items += ["reception_domestic", "reception_foreign"]
    rows = [view.row(f"three_public.{c}", "three_public.total") for c in items]
    _rows(ws, rows, view.row("three_public.total"))
    ws.append([])
    for key in ("groups_abroad", "persons_abroad", "official_vehicles", "reception_batches"):
        ws.append([labels.QUANTITIES[key], view.count(key)])
    ws.append([labels.QUANTITIES["reception_persons"], view.count("reception_persons")])
    ws = _sheet(wb, "其他事项", "政府性基金、国有资本经营预算、机关运行经费、政府采购")
    rows = [view.row(f"{p}.total") for p in ("fund_budget", "state_capital", "running_cost")]
    rows += view.part_rows("procurement")
    _rows(ws, rows, view.row("procurement.total"))
    _projects(wb, view)
    ws = _sheet(wb, "一致性检查", "发布前一致性检查")
    ws.append(["级别", "代码", "说明", "位置与所述数值"])
    for f in findings:
        where = "；".join(f"{p.place}：{p.what}={p.value}" for p in f.places)
        ws.append([labels.SEVERITIES[f.severity], f.code, f.message, where])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _projects(wb: Workbook, view: View) -> None:
    ws = _sheet(wb, "项目", "项目支出及绩效")
    ws.append(["序号", "项目名称", "资金来源", "申报数", "批复数", "预算数", "执行数", "完成预算"])
    for n, p in enumerate(view.doc.projects, start=1):
        money = [_money(view.value(f"project.{n}.{f}")) for f in ("declared", "approved")]
        money += [_money(view.value(f"project.{n}.{f}")) for f in ("budget", "executed")]
        rate = _rate(view.completion(f"project.{n}.executed", f"project.{n}.budget"))
        ws.append([n, p.name, labels.FUNDING_SOURCES[p.funding_source], *money, rate])
        ws.cell(ws.max_row, 8).number_format = "0.00%"
    ws = _sheet(wb, "绩效指标", "项目绩效指标完成情况")
    ws.append(
        ["项目序号", "项目名称", "一级指标", "二级指标", "三级指标", "预期指标值", "实际完成指标值"]
    )
    for n, p in enumerate(view.doc.projects, start=1):
        for ind in p.indicators:
            ws.append([n, p.name, ind.level1, ind.level2, ind.level3, ind.expected, ind.actual])


def build_rollup_xlsx(out: RollupOut) -> bytes:
    """The county roll-up: a sheet per view, amounts in 万元."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    views = [
        ("按收入来源", out.by_source),
        ("按支出性质", out.by_kind),
        ("按功能分类", out.by_function),
        ("按经济分类", out.by_economic),
        ("三公经费", out.three_public),
    ]
    for title, lines in views:
        ws = _sheet(
            wb, title, f"{out.county}{out.year}年度部门决算汇总（{len(out.departments)}个部门）"
        )
        ws.append(["代码", "名称", "金额（万元）", "部门数"])
        for line in lines:
            ws.append([line.code, line.label, line.amount, line.departments])
            ws.cell(ws.max_row, 3).number_format = "#,##0.00"
    ws = _sheet(wb, "部门", "汇总的部门")
    for name in out.departments:
        ws.append([name])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
