"""The XLSX import template: written empty (or filled from a document) and read back.

Every cell read is remembered with its sheet, row and column, so a validation error on
`income.2.actual` is reported as 收入!D5 — every error at once, and nothing is imported.
"""

from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from services.budget.domain import labels
from services.budget.domain.document import YearDocument
from shared.data.spreadsheets import UploadLimits, open_workbook, sheet_rows
from shared.i18n import DEFAULT_LOCALE, Invalid, catalogue_for

HEADER = {"department": "部门"}
LOCALES = Path(__file__).parents[1] / "locales"  # the budget catalogues
CODE_SHEET = "科目代码"  # for reference only: never read back
PART_SHEETS = {part: title for part, (title, _) in labels.PARTS.items()}
PART_COLUMNS = ["代码", "名称", "预算数", "决算数"]
PROJECT_COLUMNS = ["序号", "项目名称", "资金来源", "申报数", "批复数", "预算数", "执行数"]
PROJECT_COLUMNS += ["预算-财政拨款", "预算-其他资金", "执行-财政拨款", "执行-其他资金", "得分"]
PROJECT_FIELDS = ["name", "funding_source", "declared", "approved", "budget", "executed"]
PROJECT_FIELDS += ["budget_fiscal", "budget_other", "executed_fiscal", "executed_other", "score"]
INDICATOR_COLUMNS = ["项目序号", "一级指标", "二级指标", "三级指标", "预期指标值", "实际完成指标值"]
STATEMENT_COLUMNS = ["位置", "类型", "主题", "基数", "数值", "原文"]
BREAKDOWN_COLUMNS = ["位置", "名称", "合计", "分项名称", "分项数值"]
DEPARTMENT_ROWS = [("code", "部门代码"), ("name", "部门名称"), ("county", "所属县（区）")]
DEPARTMENT_ROWS += [("year", "年度"), ("unit", "金额单位（元或万元）")]


def _sheet(wb: Workbook, title: str, columns: list[str]):
    ws = wb.create_sheet(title)
    ws.append(columns)
    for n, cell in enumerate(ws[1], start=1):
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(n)].width = 40 if n in (2, 6) else 16
    return ws


def write(doc: YearDocument | None, codes: dict[str, dict[str, str]] | None = None) -> bytes:
    """The template: empty (fixed codes listed) when doc is None, else filled from it; with
    the classification codes on a last sheet (科目代码) when given."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    ws = _sheet(wb, HEADER["department"], ["字段", "说明", "值"])
    for key, text in DEPARTMENT_ROWS:
        value: Any = None
        if doc is not None:
            value = getattr(doc.department, key, None) or getattr(doc, key, None)
        ws.append([key, text, value if value is not None else ("万元" if key == "unit" else None)])
    for part, title in PART_SHEETS.items():
        ws = _sheet(wb, title, PART_COLUMNS)
        fixed = labels.PARTS[part][1] or {}
        lines = doc.lines(part) if doc is not None else []
        if lines:
            for x in lines:
                ws.append([x.code, fixed.get(x.code, ""), x.budget, x.actual])
        else:
            for code, name in fixed.items():
                ws.append([code, name, None, None])
    ws = _sheet(wb, "数量", ["代码", "名称", "数值"])
    for key, name in labels.QUANTITIES.items():
        ws.append([key, name, doc.quantities.get(key) if doc else None])
    ws = _sheet(wb, "项目", PROJECT_COLUMNS)
    ind = _sheet(wb, "绩效指标", INDICATOR_COLUMNS)
    texts = _sheet(wb, "文字", ["对象", "键", "内容"])
    for n, p in enumerate(doc.projects if doc else [], start=1):
        ws.append([n, *(getattr(p, f) for f in PROJECT_FIELDS)])
        for i in p.indicators:
            ind.append([n, i.level1, i.level2, i.level3, i.expected, i.actual])
        for key, value in p.texts.items():
            texts.append([f"project:{n}", key, value])
    for owner in ("profile", "evaluation"):
        for key, value in _flatten(getattr(doc, owner) if doc else {}):
            texts.append([owner, key, value])
    ws = _sheet(wb, "陈述", STATEMENT_COLUMNS)
    for s in doc.statements if doc else []:
        ws.append([s.place, s.kind, s.subject, s.of, s.value, s.quote])
    ws = _sheet(wb, "分项合计", BREAKDOWN_COLUMNS)
    for b in doc.breakdowns if doc else []:
        for part_ in b.parts:
            ws.append([b.place, b.label, b.total, part_.label, part_.value])
    if codes:
        ws = _sheet(wb, CODE_SHEET, ["分类", "代码", "名称"])
        for scheme, title in (("functional", "功能分类"), ("economic", "经济分类")):
            for code, name in codes.get(scheme, {}).items():
                ws.append([title, code, name])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested texts as (key, text): "reasons.total", "highlights.[0]"."""
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in _flatten(v, f"{prefix}{k}.")]
    if isinstance(value, list):
        return [kv for n, v in enumerate(value) for kv in _flatten(v, f"{prefix}[{n}].")]
    return [(prefix.rstrip("."), str(value))]


def _unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The nested texts back from their keys ("[n]" parts are list items, in order)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.split(".")
        node: Any = root
        for part, after in zip(parts, [*parts[1:], None], strict=True):
            fresh: Any = value if after is None else ([] if after.startswith("[") else {})
            if part.startswith("["):
                if after is None:
                    node.append(fresh)
                    break
                index = int(part[1:-1])
                if len(node) <= index:
                    node.append(fresh)
                node = node[index]
            elif after is None:
                node[part] = fresh
            else:
                node = node.setdefault(part, fresh)
    return root


Where = dict[tuple, tuple[str, int, str]]


def _cell(value: Any) -> Any:
    """A cell as the document wants it: text stripped, numbers as exact decimal strings."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        # Excel keeps doubles; the shortest repr gives back the decimal that was typed
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, Decimal):
        return str(value)
    return value.strip() if isinstance(value, str) else value


class Reader:
    """Reads a filled template into a document, remembering where each value came from."""

    def __init__(self, data: bytes, limits: UploadLimits) -> None:
        # Container and sheets bounded before openpyxl reads them (shared.data.spreadsheets).
        self.wb = open_workbook(data, limits)
        self.limits = limits
        self.where: Where = {}
        self.errors: list[dict[str, Any]] = []

    def rows(self, title: str):
        """(row number, cells) of a sheet's data rows, blank rows skipped."""
        if title not in self.wb.sheetnames:
            self.errors.append(
                {"sheet": title, "row": None, "column": None, "message": "缺少工作表"}
            )
            return
        rows = sheet_rows(self.wb[title], self.limits, min_row=2)
        for n, row in enumerate(rows, start=2):
            cells = [_cell(v) for v in row]
            if any(v is not None for v in cells):
                yield n, cells

    def put(self, target: dict, key: str, path: tuple, sheet: str, row: int, col: int, value: Any):
        """Set a value and remember its cell."""
        self.where[path] = (sheet, row, get_column_letter(col))
        if value is not None:
            target[key] = value

    def locate(self, path: tuple) -> tuple[str, int | None, str | None]:
        """The cell of a field path, or of its nearest parent that came from a cell."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.where:
                return self.where[path[:n]]
        return (HEADER["department"], None, None)


def read(data: bytes, limits: UploadLimits) -> tuple[dict[str, Any], Reader]:
    """The document a filled template holds (not yet validated) and its reader."""
    r = Reader(data, limits)
    doc: dict[str, Any] = {"department": {}}
    title = HEADER["department"]
    for n, cells in r.rows(title):
        key, value = cells[0], (cells + [None] * 3)[2]
        target = doc["department"] if key in ("code", "name", "county") else doc
        path = ("department", key) if target is not doc else (key,)
        r.put(target, str(key), path, title, n, 3, value)
    for part, title in PART_SHEETS.items():
        lines = []
        for n, cells in r.rows(title):
            code, _, budget, actual = (cells + [None] * 4)[:4]
            if budget is None and actual is None and code in (labels.PARTS[part][1] or {}):
                continue  # a fixed code the template lists but this department did not state
            line: dict[str, Any] = {}
            i = len(lines)
            for key, col, value in (
                ("code", 1, code),
                ("budget", 3, budget),
                ("actual", 4, actual),
            ):
                r.put(line, key, (part, i, key), title, n, col, value)
            lines.append(line)
        doc[part] = lines
    doc["quantities"] = {}
    for n, cells in r.rows("数量"):
        if (cells + [None] * 3)[2] is not None:
            r.put(
                doc["quantities"],
                str(cells[0]),
                ("quantities", str(cells[0])),
                "数量",
                n,
                3,
                cells[2],
            )
    doc["projects"] = []
    for n, cells in r.rows("项目"):
        project: dict[str, Any] = {"texts": {}, "indicators": []}
        i = len(doc["projects"])
        for col, key in enumerate(PROJECT_FIELDS, start=2):
            r.put(
                project, key, ("projects", i, key), "项目", n, col, (cells + [None] * 12)[col - 1]
            )
        doc["projects"].append(project)
    _read_indicators(r, doc)
    _read_texts(r, doc)
    _read_statements(r, doc)
    return doc, r


def _project_at(r: Reader, doc: dict, value: Any, sheet: str, row: int) -> dict | None:
    try:
        return doc["projects"][int(value) - 1]
    except (TypeError, ValueError, IndexError):
        message = f"项目序号“{value}”在“项目”表中不存在"
        r.errors.append({"sheet": sheet, "row": row, "column": "A", "message": message})
        return None


def _read_indicators(r: Reader, doc: dict) -> None:
    keys = ["level1", "level2", "level3", "expected", "actual"]
    for n, cells in r.rows("绩效指标"):
        project = _project_at(r, doc, cells[0], "绩效指标", n)
        if project is None:
            continue
        p, i = doc["projects"].index(project), len(project["indicators"])
        item: dict[str, Any] = {}
        for col, key in enumerate(keys, start=2):
            path = ("projects", p, "indicators", i, key)
            r.put(item, key, path, "绩效指标", n, col, (cells + [None] * 6)[col - 1])
        project["indicators"].append(item)


def _read_texts(r: Reader, doc: dict) -> None:
    owners: dict[str, list[tuple[str, str]]] = {"profile": [], "evaluation": []}
    for n, cells in r.rows("文字"):
        owner, key, value = (cells + [None] * 3)[:3]
        if str(owner).startswith("project:"):
            project = _project_at(r, doc, str(owner).split(":", 1)[1], "文字", n)
            if project is not None:
                project["texts"][str(key)] = str(value or "")
        elif owner in owners:
            owners[owner].append((str(key), str(value or "")))
        else:
            r.errors.append(
                {"sheet": "文字", "row": n, "column": "A", "message": f"未知对象“{owner}”"}
            )
    doc.update({owner: _unflatten(pairs) for owner, pairs in owners.items()})


def _read_statements(r: Reader, doc: dict) -> None:
    doc["statements"] = []
    keys = ["place", "kind", "subject", "of", "value", "quote"]
    for n, cells in r.rows("陈述"):
        item: dict[str, Any] = {}
        i = len(doc["statements"])
        for col, key in enumerate(keys, start=1):
            r.put(item, key, ("statements", i, key), "陈述", n, col, (cells + [None] * 6)[col - 1])
        doc["statements"].append(item)
    breakdowns: dict[tuple, dict[str, Any]] = {}
    for n, cells in r.rows("分项合计"):
        place, label, total, part_label, value = (cells + [None] * 5)[:5]
        b = breakdowns.setdefault((place, label, total), {"parts": []})
        i, k = list(breakdowns).index((place, label, total)), len(b["parts"])
        for col, key, v in ((1, "place", place), (2, "label", label), (3, "total", total)):
            r.put(b, key, ("breakdowns", i, key), "分项合计", n, col, v)
        item: dict[str, Any] = {}
        r.put(item, "label", ("breakdowns", i, "parts", k, "label"), "分项合计", n, 4, part_label)
        r.put(item, "value", ("breakdowns", i, "parts", k, "value"), "分项合计", n, 5, value)
        b["parts"].append(item)
    doc["breakdowns"] = list(breakdowns.values())


MESSAGES = {
    "missing": "缺少必填值",
    "string_too_short": "不能为空",
    "extra_forbidden": "未知字段",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数",
    "greater_than_equal": "不能为负数",
    "less_than_equal": "超出上限",
    "string_pattern_mismatch": "格式不符",
    "string_too_long": "过长",
    "decimal_parsing": "须为数值",
    "too_short": "至少须有一项",
}


def message(error: Any) -> str:
    """A validation error in Chinese, for the clerk who filled the sheet."""
    if error["type"] == "value_error":
        refusal = error.get("ctx", {}).get("error")
        if isinstance(refusal, Invalid):
            # Read off the event loop, without the caller's language: in Chinese, as the sheet is.
            text = catalogue_for(LOCALES).text(refusal.key, DEFAULT_LOCALE, refusal.params)
            return text or refusal.key
        return str(refusal or error["msg"])
    if error["type"] == "literal_error":
        return f"取值须为{error.get('ctx', {}).get('expected', '')}之一"
    return MESSAGES.get(error["type"], error["msg"])


def validate(data: bytes, limits: UploadLimits | None = None) -> tuple[YearDocument | None, Reader]:
    """The document of a filled template, or None with every error located on its cell."""
    raw, r = read(data, limits or UploadLimits())
    try:
        doc = YearDocument.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors():
            sheet, row, column = r.locate(tuple(e["loc"]))
            field = ".".join(str(p) for p in e["loc"])
            r.errors.append(
                {
                    "sheet": sheet,
                    "row": row,
                    "column": column,
                    "field": field,
                    "message": message(e),
                }
            )
        return None, r
    return (None if r.errors else doc), r
