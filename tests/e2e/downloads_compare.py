"""A list's download read back (openpyxl, csv) and compared with its JSON, cell by cell.

The expected columns come from the OpenAPI alone (each field's `title`, a nested model's
fields flattened as `上级·下级`), the expected cells from the JSON answer of the same caller:
what a clerk opens in Excel is what the API answers, masked the same way.
"""

import csv
import io
import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from shared.data.csv_text import formula_safe

BEIJING = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u4e00-\u9fff]")
BOM = "\ufeff"


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema or ("allOf" in schema and len(schema["allOf"]) == 1):
        ref = schema["$ref"] if "$ref" in schema else schema["allOf"][0]["$ref"]
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def row_schemas(operation: dict[str, Any], spec: dict[str, Any]) -> list[tuple[dict, str | None]]:
    """The schemas a row of a list's JSON answer may have, with the key the rows are under
    (a report with several tables downloads one of them: the header tells which)."""
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    answer = _resolve(answer, spec)
    if answer.get("type") == "array":
        return [(_resolve(answer["items"], spec), None)]
    properties = answer["properties"]
    if "items" in properties:
        return [(_resolve(properties["items"]["items"], spec), "items")]
    return [
        (_resolve(p["items"], spec), k) for k, p in properties.items() if p.get("type") == "array"
    ]


def header(csv_body: bytes) -> list[str]:
    """The first line of a CSV download."""
    return next(csv.reader(io.StringIO(csv_body.decode("utf-8").removeprefix(BOM))))


def columns(schema: dict[str, Any], spec: dict[str, Any]) -> list[tuple[list[str], str, dict]]:
    """(path, heading, field schema) per column, as a download lays them out."""
    out = []
    for name, prop in schema["properties"].items():
        target = _resolve(prop, spec) if "$ref" in prop or "allOf" in prop else prop
        if "properties" in target:  # a nested model: its fields are columns of their own
            for path, title, sub in columns(target, spec):
                out.append(([name, *path], f"{prop['title']}·{title}", sub))
        else:
            variants = [_resolve(v, spec) for v in target.get("anyOf", [target])]
            # Shown as its code-table label: an enum, or a str naming its table.
            enum = "x-code-table" in prop or any("enum" in v for v in variants)
            out.append(([name], prop["title"], {**prop, "x-enum": enum}))
    return out


def _format(prop: dict[str, Any]) -> str | None:
    variants = prop.get("anyOf", [prop])
    return next((v["format"] for v in variants if "format" in v), None)


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(BEIJING).replace(tzinfo=None)


def expected_csv(value: Any, prop: dict[str, Any]) -> Any:
    """A JSON value as its CSV cell reads (nested values as parsed JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return value
    if _format(prop) == "date-time":
        return _local(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, int | float):
        return str(value)
    return formula_safe(value)


def _nested(prop: dict[str, Any]) -> bool:
    """A list or object field: one cell holds its JSON."""
    kinds = {v.get("type") for v in prop.get("anyOf", [prop])}
    return bool(kinds & {"array", "object"})


def csv_cell(text: str, prop: dict[str, Any]) -> Any:
    return json.loads(text) if text and _nested(prop) else text


def same_xlsx(cell: Any, value: Any, prop: dict[str, Any]) -> bool:
    """Whether a workbook cell holds the JSON value (amounts as numbers, dates as dates)."""
    if value is None or cell is None:
        return value is None and cell is None
    if isinstance(value, bool):
        return cell == ("是" if value else "否")
    if isinstance(value, dict | list):
        return json.loads(cell) == value
    if isinstance(cell, datetime):
        if _format(prop) == "date-time":
            return abs((cell - _local(value)).total_seconds()) < 0.01
        return cell.date().isoformat() == value
    if isinstance(cell, int | float) and not isinstance(value, int | float):
        return Decimal(str(cell)) == Decimal(value)
    return cell == value


def _value(row: dict[str, Any], path: list[str]) -> Any:
    for key in path:
        row = row.get(key) if isinstance(row, dict) else None
    return row


def _matched(want: list[dict], got: list[list], same, where: str) -> None:
    """Every JSON row has its own file row (rows in any order)."""
    assert len(got) == len(want), where
    unmatched = list(got)
    for row in want:
        match = next((g for g in unmatched if same(g, row)), None)
        assert match is not None, (where, row)
        unmatched.remove(match)


def compare(
    rows: list[dict],
    cols: list,
    csv_body: bytes,
    xlsx_body: bytes,
    labels: dict[str, set[str]],
    where: str,
) -> None:
    """Both files hold the JSON rows under the Chinese headings; a coded column's value
    (an enum, or a str naming its code table) is shown as one of its code-table labels
    (`labels`: value → labels), never as the raw code."""

    def is_label(cell: Any, value: Any, prop: dict[str, Any]) -> bool:
        return bool(prop.get("x-enum")) and cell in labels.get(str(value), set())

    def labelled(value: Any, prop: dict[str, Any]) -> bool:
        """A code the files must show as its label, never as it is (one some table labels)."""
        shown = labels.get(str(value), set())
        return bool(prop.get("x-enum")) and bool(shown) and str(value) not in shown

    def same_csv(line: list[str], row: dict) -> bool:
        return all(
            is_label(text, _value(row, p), prop)
            if labelled(_value(row, p), prop)
            else csv_cell(text, prop) == expected_csv(_value(row, p), prop)
            or is_label(text, _value(row, p), prop)
            for text, (p, _, prop) in zip(line, cols, strict=True)
        )

    def same_book(cells: list[Any], row: dict) -> bool:
        return all(
            is_label(cell, _value(row, p), prop)
            if labelled(_value(row, p), prop)
            else same_xlsx(cell, _value(row, p), prop) or is_label(cell, _value(row, p), prop)
            for cell, (p, _, prop) in zip(cells, cols, strict=True)
        )

    titles = [title for _, title, _ in cols]
    assert csv_body.startswith(BOM.encode()), where
    read = list(csv.reader(io.StringIO(csv_body.decode("utf-8").removeprefix(BOM))))
    assert read[0] == titles, where
    assert all(len(line) == len(cols) for line in read[1:]), where
    _matched(rows, read[1:], same_csv, where)

    sheet = load_workbook(io.BytesIO(xlsx_body), read_only=True).worksheets[0]
    # A row ends at its last value: blank cells after it are not stored.
    book = [[*r, *[None] * (len(cols) - len(r))] for r in sheet.iter_rows(values_only=True)]
    assert book[0] == titles, where
    _matched(rows, book[1:], same_book, where)
