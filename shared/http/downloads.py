"""Every list and report downloads as XLSX or CSV: one dependency, one answer.

A route takes `download: Download` (it declares the `format` query parameter) and, when the
caller asked for a file (`?format=xlsx|csv`, or `Accept:` the XLSX or CSV media type before
JSON), answers `await download.pages(fetch, Model, "名称")` instead of its JSON page:

- the list's own filters apply, its paging does not: `fetch(limit, offset)` is the route's own
  list call, read batch after batch until a short batch, so sort, search and masking are the
  JSON's; at most `PENSION_DOWNLOAD_MAX_ROWS` rows (413 `download_too_large` beyond);
- the columns are the answer model's fields, headed by their Chinese `title` (declared once,
  on the model, so the OpenAPI shows them too); a nested model's fields become columns of
  their own (`上级·下级`);
- a coded column is shown as its code table's labels in the caller's language
  (`Accept-Language`): a field typed by an Enum or a Literal (or a `str` declaring its values
  as a JSON schema `enum`) whose values are exactly one of the service's code tables, or a
  plain `str` naming its table with `json_schema_extra=code_table("sex")`; other values as
  the JSON has them;
- each batch is masked exactly as the JSON (the model's own serializers, for the caller bound
  to the request) and written off the event loop to a temporary file; only then is the file
  streamed, so a refusal is still a clean problem answer and memory holds one batch;
- the file is named in Chinese (RFC 5987 `filename*`, with an ASCII fallback).

Reports that are already one bounded answer use `download.rows(items, Model, "名称")`.

A list longer than `PENSION_EXPORT_JOB_ROWS` in a service with jobs answers 202 with an
`export` job instead (shared/jobs/outputs.py): the file is fetched at `/jobs/{id}/file`. The
job answers the same GET again with a progress callback in the request's state
(`EXPORT_PROGRESS`), told the rows written after each batch and the rows to write.
"""

import asyncio
import io
import tempfile
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import IO, Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from shared.data.clock import agency_today
from shared.data.table_files import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    CsvTableWriter,
    TableWriter,
    XlsxTableWriter,
)
from shared.i18n import catalogue_of, locale_of
from shared.i18n.code_tables import CodeTables, values_of
from shared.i18n.code_tables import label as code_label
from shared.problems import ProblemError

FileFormat = Literal["csv", "xlsx"]
# Rows read (and written) per step: one batch is what memory holds at a time.
BATCH_ROWS = 1000
CHUNK_BYTES = 64 * 1024
# Set in the scope of the request an export job answers again: its download streams.
EXPORTING = "export_job"
# With it, the job's progress callback: awaited with (rows written, rows to write or None).
EXPORT_PROGRESS = "export_progress"
# The key a field's json_schema_extra names its code table under (shown in the OpenAPI too).
CODE_TABLE_KEY = "x-code-table"
_ACCEPTED = {
    "application/json": "json",
    "text/csv": "csv",
    XLSX_MEDIA_TYPE: "xlsx",
}

# The 200 answer's file types, for the OpenAPI of every route that downloads.
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    },
    202: {
        "description": "A file of more rows than PENSION_EXPORT_JOB_ROWS: an `export` job "
        "(Location); once it has succeeded, its file is at Location + `/file`, for the caller "
        "who asked only.",
    },
}


def wanted_format(asked: str | None, accept: str) -> FileFormat | None:
    """The file the caller asked for: `?format=` first, else the first known type of Accept."""
    if asked is not None:
        return None if asked == "json" else asked  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media.lower() in _ACCEPTED and quality > 0:
            ranked.append((-quality, position, _ACCEPTED[media.lower()]))
    best = min(ranked, default=None)
    return None if best is None or best[2] == "json" else best[2]  # type: ignore[return-value]


def code_table(name: str) -> dict[str, Any]:
    """`Field(json_schema_extra=code_table("sex"))`: a `str` field holds values of that table."""
    return {CODE_TABLE_KEY: name}


@dataclass(frozen=True)
class Column:
    """One column: where its value is in the dumped item, its Chinese heading, and what its
    field says of its code table: the table's name, the values its Enum or Literal allows, or
    None (not coded)."""

    path: tuple[str, ...]
    title: str
    coded: str | frozenset[str] | None = None


def _coded(field: Any) -> str | frozenset[str] | None:
    """The code table a field names, or the values its (optional) Enum or Literal type allows
    or its schema declares."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get(CODE_TABLE_KEY), str):
        return extra[CODE_TABLE_KEY]
    if isinstance(extra, dict) and isinstance(extra.get("enum"), list):  # a str's declared values
        return frozenset(str(v) for v in extra["enum"])
    annotation = field.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = kinds[0] if len(kinds) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return frozenset(values_of(annotation))
    if typing.get_origin(annotation) is Literal:
        return frozenset(str(v) for v in typing.get_args(annotation))
    return None


def columns_of(
    model: type[BaseModel], prefix: tuple[str, ...] = (), heading: str = ""
) -> list[Column]:
    """The model's fields as columns, each headed by its `title` (a nested model's flattened)."""
    columns: list[Column] = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        if not field.title:
            raise TypeError(f"{model.__name__}.{name} has no title: a download needs its heading")
        title = f"{heading}·{field.title}" if heading else field.title
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            columns.extend(columns_of(nested, (*prefix, name), title))
        else:
            columns.append(Column((*prefix, name), title, _coded(field)))
    return columns


def _getter(path: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """Reads a column's value from a dumped item (a nested model's dumped as a dict)."""
    if len(path) == 1:
        key = path[0]
        return lambda dumped: dumped[key]

    def nested(dumped: dict[str, Any]) -> Any:
        value: Any = dumped
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return nested


class Labels:
    """The labels of a service's code tables in the caller's language, column by column."""

    def __init__(self, tables: CodeTables, text: Callable[[str, str], str]) -> None:
        self.names = set(tables)
        self.text = text  # (table, value) -> label (the value where the catalogue has none)
        self.by_values: dict[frozenset[str], list[str]] = {}
        for name, values in tables.items():
            self.by_values.setdefault(frozenset(values_of(values)), []).append(name)

    def table_of(self, column: Column) -> str | None:
        """The column's code table: the one it names, or the only one of exactly its values."""
        if isinstance(column.coded, str):
            return column.coded if column.coded in self.names else None
        if column.coded is None:
            return None
        found = self.by_values.get(column.coded, [])
        return found[0] if len(found) == 1 else None

    def cell(self, column: Column) -> Callable[[Any], Any] | None:
        """What turns the column's value into its cell: its label, None for a column shown as
        the JSON has it (an enum not in a table as its value)."""
        table = self.table_of(column)
        if table is None:
            return None
        seen: dict[str, str] = {}

        def label(value: Any) -> Any:
            if value is None:
                return None
            code = str(value.value if isinstance(value, Enum) else value)
            if code not in seen:
                seen[code] = self.text(table, code)
            return seen[code]

        return label


# Queues a long list as an export job: (request, format, rows, file name) -> the 202 answer.
QueueExport = Callable[[Request, FileFormat, int, str], Awaitable[Response]]
ExportProgress = Callable[[int, int | None], Awaitable[None]]


def _write_batch(
    writer: TableWriter,
    model: type[BaseModel],
    columns: list[Column],
    items: Sequence[Any],
    cells: list[Callable[[Any], Any] | None],
) -> None:
    """Dump each item as the JSON would (its masking serializers run) and write its row, a
    coded value as its label (an enum no table lists as its value)."""
    getters = [_getter(column.path) for column in columns]
    shown = list(zip(getters, cells, strict=True))
    for item in items:
        if not isinstance(item, model):
            item = model.model_validate(item, from_attributes=True)
        dumped = item.model_dump(mode="python")
        row = []
        for get, cell in shown:
            value = get(dumped)
            if cell is not None:
                value = cell(value)
            elif isinstance(value, Enum):
                value = value.value
            row.append(value)
        writer.row(row)


def disposition(name: str, extension: str) -> str:
    """`attachment` with the Chinese name (RFC 5987) and an ASCII fallback."""
    stamped = f"{name}_{agency_today():%Y%m%d}.{extension}"
    return f"attachment; filename=\"download.{extension}\"; filename*=UTF-8''{quote(stamped)}"


class DownloadRequest:
    """A caller's request for a list as a file, and how to answer it."""

    def __init__(
        self,
        fmt: FileFormat,
        max_rows: int,
        labels: Labels,
        *,
        request: Request | None = None,
        export_rows: int | None = None,
        queue_export: QueueExport | None = None,
        progress: ExportProgress | None = None,
    ) -> None:
        self.format = fmt
        self.max_rows = max_rows
        self.labels = labels
        self.request = request
        # Told the rows written after each batch when an export job answers the request.
        self.progress = progress
        # Above this many rows the list is an export job (None: always streamed), queued by
        # the jobs layer above this module (shared/jobs/outputs.py, set on app.state).
        self.export_rows = export_rows
        self.queue_export = queue_export

    async def pages(
        self,
        fetch: Callable[[int, int], Awaitable[Any]],
        model: type[BaseModel],
        name: str,
    ) -> Response:
        """The whole filtered list, read with the route's own `fetch(limit, offset)`; a long
        one as an export job (202)."""
        first = await fetch(BATCH_ROWS, 0)
        # A page (Page, or a model of the same shape) says its total up front.
        total = getattr(first, "total", None)
        if isinstance(total, int):
            self._within_cap(total)
            queue = self.queue_export
            if self.export_rows is not None and self.request is not None and queue is not None:
                if total > self.export_rows:
                    return await queue(self.request, self.format, total, name)

        async def batches() -> AsyncIterator[Sequence[Any]]:
            offset, got = 0, first
            while True:
                if offset:
                    got = await fetch(BATCH_ROWS, offset)
                total = getattr(got, "total", None)
                if isinstance(total, int):
                    self._within_cap(total)
                items: Sequence[Any] = got.items if isinstance(total, int) else got  # type: ignore[union-attr]
                yield items
                offset += BATCH_ROWS
                # A page ends at its total (a short batch may be filtered), a bare list with
                # a short batch.
                ended = offset >= total if isinstance(total, int) else len(items) < BATCH_ROWS
                if ended or not items:
                    return

        return await self._answer(batches(), model, name, total if isinstance(total, int) else None)

    async def rows(
        self, items: Iterable[Any], model: type[BaseModel], name: str
    ) -> StreamingResponse:
        """A bounded answer (a report, a year's ledger) as a file."""
        if isinstance(items, BaseModel):  # iterating a model gives its fields, not rows
            raise TypeError(f"{type(items).__name__} is one record, not a list of rows")

        async def batches() -> AsyncIterator[Sequence[Any]]:
            batch: list[Any] = []
            for item in items:
                batch.append(item)
                if len(batch) == BATCH_ROWS:
                    yield batch
                    batch = []
            yield batch

        # Never answered by an export job: only a page's total queues one.
        return await self._answer(batches(), model, name, None)

    def _within_cap(self, rows: int) -> None:
        if rows > self.max_rows:
            raise ProblemError(413, "download_too_large", max_rows=self.max_rows, rows=rows)

    async def _answer(
        self,
        batches: AsyncIterator[Sequence[Any]],
        model: type[BaseModel],
        name: str,
        total: int | None,
    ) -> StreamingResponse:
        columns = columns_of(model)
        cells = [self.labels.cell(column) for column in columns]
        spool = tempfile.TemporaryFile()  # on disk: the file is never held in memory
        text: IO[str] | None = None
        writer: TableWriter
        if self.format == "csv":
            text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
            writer = CsvTableWriter(text)
        else:
            writer = XlsxTableWriter(spool, name)
        try:
            writer.header([c.title for c in columns])
            written = 0
            async for items in batches:
                written += len(items)
                self._within_cap(written)
                # CPU off the event loop; the thread sees the request's caller (masking).
                await asyncio.to_thread(_write_batch, writer, model, columns, items, cells)
                if self.progress is not None:
                    # The list may have grown since its first page: done never passes total.
                    await self.progress(written, None if total is None else max(written, total))
            await asyncio.to_thread(writer.finish)
            if text is not None:
                text.flush()
                text.detach()
            size = spool.tell()
            spool.seek(0)
        except BaseException:
            writer.abandon()
            (text or spool).close()  # closing the text wrapper closes the file under it
            raise
        media = CSV_MEDIA_TYPE if self.format == "csv" else XLSX_MEDIA_TYPE
        return StreamingResponse(
            _stream(spool),
            media_type=media,
            headers={
                "Content-Disposition": disposition(name, self.format),
                "Content-Length": str(size),
            },
        )


async def _stream(spool: IO[bytes]) -> AsyncIterator[bytes]:
    """The temporary file in chunks, closed (and so deleted) when sent or abandoned."""
    try:
        while chunk := await asyncio.to_thread(spool.read, CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


async def _download(
    request: Request,
    format: Annotated[
        Literal["json", "csv", "xlsx"] | None,
        Query(
            description="下载：xlsx 或 csv（UTF-8 带 BOM）；也可用 Accept 头。"
            "不填或 json 为 JSON 分页。下载时筛选条件有效、分页无效。"
        ),
    ] = None,
) -> DownloadRequest | None:
    """The file the caller asked for, or None for the JSON answer."""
    fmt = wanted_format(format, request.headers.get("accept", ""))
    if fmt is None:
        return None
    platform = request.app.state.platform
    # A service with jobs makes a long list an export job, unless this is that job answering.
    state = request.scope.get("state") or {}
    queue = None if state.get(EXPORTING) else getattr(request.app.state, "queue_export", None)
    return DownloadRequest(
        fmt,
        platform.download_max_rows,
        labels_of(request),
        request=request,
        export_rows=platform.export_job_rows if queue is not None else None,
        queue_export=queue,
        progress=state.get(EXPORT_PROGRESS),
    )


def labels_of(request: Request) -> Labels:
    """The labels of the app's code tables in the caller's language."""
    catalogue, locale = catalogue_of(request.scope), locale_of(request.scope)
    return Labels(
        getattr(request.app.state, "code_tables", {}),
        lambda table, value: code_label(catalogue, locale, table, value),
    )


Download = Annotated[DownloadRequest | None, Depends(_download)]
