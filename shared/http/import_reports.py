"""The one shape of every import's report: counts and every row's result (row number, name,
citizen id shown per the masking policy, reasons with stable codes), kept so that it can be
read again and downloaded as XLSX with the original rows and the reasons beside them; and the
downloadable template of each import.
"""

import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from pydantic import BaseModel

from shared.data.import_headers import label_of
from shared.data.imports import ImportColumn, ImportTable, Issue, Kind, SourceRow
from shared.data.spreadsheets import write_workbook
from shared.http.auth import Principal
from shared.http.masking import CitizenIdText, kind_of_key, shown

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}}}}


class RowStatus(StrEnum):
    """What became of a row."""

    accepted = "accepted"
    unchanged = "unchanged"
    failed = "failed"


STATUS_LABELS = {
    RowStatus.accepted: "已导入",
    RowStatus.unchanged: "未变化（此前已导入）",
    RowStatus.failed: "未导入",
}


class RowIssue(BaseModel):
    """Why a row was not taken: the field, a stable code and the reason in Chinese."""

    field: str
    code: str
    message: str


class ImportRowOut(BaseModel):
    """One row's result."""

    row: int
    name: str | None
    citizen_id: CitizenIdText | None
    status: RowStatus
    errors: list[RowIssue]


class ImportReportOut(BaseModel):
    """An import's report: what the file held and what became of every row."""

    id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    filename: str
    header_row: int
    total_rows: int
    accepted: int
    unchanged: int
    failed: int
    rows: list[ImportRowOut]
    created_by: str
    created_at: datetime | None = None


@dataclass
class RowResult:
    """An importer's verdict on a row."""

    source: SourceRow
    status: RowStatus
    issues: list[Issue]


def failed(source: SourceRow, *issues: Issue) -> RowResult:
    """A row refused for these reasons."""
    return RowResult(source, RowStatus.failed, list(issues))


def new_report(
    kind: str,
    subject_id: uuid.UUID,
    filename: str,
    table: ImportTable,
    results: Sequence[RowResult],
    who: Principal,
) -> dict[str, Any]:
    """The report as stored (one row of the service's import_report table)."""
    ordered = sorted(results, key=lambda r: r.source.number)
    rows = [
        {
            "row": r.source.number,
            "name": r.source.values.get("name"),
            "citizen_id": r.source.values.get("citizen_id"),
            "status": r.status.value,
            "errors": [i.__dict__ for i in r.issues],
            "cells": r.source.cells,
        }
        for r in ordered
    ]
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "subject_id": subject_id,
        "filename": filename[:255],
        "header_row": table.header_row,
        "columns": table.header,
        "fields": table.fields,
        "total_rows": len(rows),
        "accepted": sum(r.status == RowStatus.accepted for r in ordered),
        "unchanged": sum(r.status == RowStatus.unchanged for r in ordered),
        "failed": sum(r.status == RowStatus.failed for r in ordered),
        "rows": rows,
        "created_by": who.subject,
    }


def report_out(record: Mapping[str, Any]) -> ImportReportOut:
    """The answer for a stored report (ids masked on the way out, per the caller)."""
    return ImportReportOut.model_validate(dict(record))


def report_workbook(record: Mapping[str, Any], who: Principal) -> bytes:
    """The original rows with the result and the reasons beside each; the cells of columns
    that reveal an id (citizen id, birth date) shown as the masking policy allows the caller."""
    width = len(record["columns"])
    kinds = [kind_of_key(f) if f else None for f in record["fields"]] + [None] * width
    header = [*(c or "" for c in record["columns"]), "导入结果", "原因", "原文件行号"]

    def line(row: Mapping[str, Any]) -> list[Any]:
        cells = list(row["cells"][:width]) + [None] * (width - len(row["cells"][:width]))
        cells = [shown(k, c, who) if k and c else c for k, c in zip(kinds, cells, strict=False)]
        reasons = "；".join(e["message"] for e in row["errors"])
        return [*cells, STATUS_LABELS[RowStatus(row["status"])], reasons, row["row"]]

    return write_workbook("导入结果", header, (line(r) for r in record["rows"]))


def template_workbook(title: str, columns: Sequence[ImportColumn], example: Sequence[Any]) -> bytes:
    """An import's template: the Chinese headers (required ones bold) and one example row;
    id and date columns are formatted as text, so Excel keeps every digit typed in them."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([label_of(c.field) for c in columns])
    sheet.append(list(example))
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=column.required)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = 22 if column.kind == Kind.citizen_id else 16
        if column.kind in (Kind.citizen_id, Kind.date):
            for row in range(2, 1002):  # the rows a clerk fills, as text
                sheet.cell(row=row, column=index).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(filename: str, body: bytes) -> Response:
    """An XLSX download under a Chinese file name."""
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})
