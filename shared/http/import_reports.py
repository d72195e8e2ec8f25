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
from starlette.types import Scope

from shared.data.import_headers import label_of
from shared.data.imports import ImportColumn, ImportTable, Issue, Kind, SourceRow
from shared.data.spreadsheets import write_workbook
from shared.http.auth import Principal
from shared.http.masking import CitizenIdText, shown
from shared.i18n import catalogue_of, locale_of
from shared.redaction import kind_of_key

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}}}}


class RowStatus(StrEnum):
    """What became of a row."""

    accepted = "accepted"
    unchanged = "unchanged"
    failed = "failed"


class RowIssue(BaseModel):
    """Why a row was not taken: the field, a stable code and the reason in the caller's
    language (Chinese unless Accept-Language asks for English)."""

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
    created_at: datetime


@dataclass
class RowResult:
    """An importer's verdict on a row."""

    source: SourceRow
    status: RowStatus
    issues: list[Issue]


def failed(source: SourceRow, *issues: Issue) -> RowResult:
    """A row refused for these reasons."""
    return RowResult(source, RowStatus.failed, list(issues))


def report_rows(results: Sequence[RowResult]) -> list[dict[str, Any]]:
    """Rows' results as a report stores them (JSON), in the file's order."""
    return [
        {
            "row": r.source.number,
            "name": r.source.values.get("name"),
            "citizen_id": r.source.values.get("citizen_id"),
            "status": r.status.value,
            "errors": [
                {"field": i.field, "code": i.code, "message": i.message, "params": i.params}
                for i in r.issues
            ],
            "cells": r.source.cells,
        }
        for r in sorted(results, key=lambda r: r.source.number)
    ]


def report_of_rows(
    kind: str,
    subject_id: uuid.UUID,
    filename: str,
    table: ImportTable,
    rows: list[dict[str, Any]],
    created_by: str,
) -> dict[str, Any]:
    """The report as stored (one row of the service's import_report table), from rows as
    `report_rows` gives them, gathered from an import job's batches."""
    rows = sorted(rows, key=lambda r: r["row"])
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "subject_id": subject_id,
        "filename": filename[:255],
        "header_row": table.header_row,
        "columns": table.header,
        "fields": table.fields,
        "total_rows": len(rows),
        "accepted": sum(r["status"] == RowStatus.accepted for r in rows),
        "unchanged": sum(r["status"] == RowStatus.unchanged for r in rows),
        "failed": sum(r["status"] == RowStatus.failed for r in rows),
        "rows": rows,
        "created_by": created_by,
    }


class Messages:
    """The catalogue and language of the request being answered."""

    def __init__(self, scope: Scope) -> None:
        self.catalogue, self.locale = catalogue_of(scope), locale_of(scope)

    def text(self, key: str, params: Mapping[str, Any] | None = None) -> str:
        """A message in the caller's language (its key if the catalogue lacks it)."""
        return self.catalogue.text(key, self.locale, params) or key

    def reason(self, error: Mapping[str, Any]) -> str:
        """A stored row error in the caller's language."""
        return self.text(error.get("message") or error["code"], error.get("params"))


def report_out(record: Mapping[str, Any], scope: Scope) -> ImportReportOut:
    """The answer for a stored report: reasons in the caller's language, ids masked on the
    way out as the policy allows the caller."""
    messages = Messages(scope)
    rows = [
        {
            **row,
            "errors": [
                {"field": e["field"], "code": e["code"], "message": messages.reason(e)}
                for e in row["errors"]
            ],
        }
        for row in record["rows"]
    ]
    return ImportReportOut.model_validate({**record, "rows": rows})


def report_workbook(record: Mapping[str, Any], who: Principal, scope: Scope) -> bytes:
    """The original rows with the result and the reasons beside each; the cells of columns
    that reveal an id (citizen id, birth date) shown as the masking policy allows the caller."""
    messages = Messages(scope)
    width = len(record["columns"])
    kinds = [kind_of_key(f) if f else None for f in record["fields"]] + [None] * width
    added = [messages.text(f"import_report.column.{c}") for c in ("result", "reason", "row")]
    header = [*(c or "" for c in record["columns"]), *added]
    labels = {s: messages.text(f"import_report.status.{s.value}") for s in RowStatus}

    def line(row: Mapping[str, Any]) -> list[Any]:
        cells = list(row["cells"][:width]) + [None] * (width - len(row["cells"][:width]))
        cells = [shown(k, c, who) if k and c else c for k, c in zip(kinds, cells, strict=False)]
        reasons = ("; " if messages.locale == "en" else "；").join(
            messages.reason(e) for e in row["errors"]
        )
        return [*cells, labels[RowStatus(row["status"])], reasons, row["row"]]

    title = messages.text("import_report.sheet")
    return write_workbook(title, header, (line(r) for r in record["rows"]))


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
