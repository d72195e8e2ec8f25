"""What the take-over import reads (its columns, from the shared header table, and its
template's example row) and how a batch is shown. Its report is the shared report shape
(shared.http.import_reports.ImportReportOut)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.data.imports import EXAMPLE_CITIZEN_ID, ImportColumn, Kind

COLUMNS = (
    ImportColumn("citizen_id", Kind.citizen_id),
    ImportColumn("name"),
    ImportColumn("retired_on", Kind.date),
    ImportColumn("bank_code"),
    ImportColumn("account_number"),
    ImportColumn("account_name"),
    ImportColumn("effective_from", Kind.date),
    ImportColumn("monthly_amount", Kind.amount),
    ImportColumn("basic_pension", Kind.amount, required=False),
    ImportColumn("account_pension", Kind.amount, required=False),
    ImportColumn("transitional_pension", Kind.amount, required=False),
    ImportColumn("comparison_adjustment", Kind.amount, required=False),
    ImportColumn("adjustments", Kind.amount, required=False),
    ImportColumn("annuity_monthly", Kind.amount, required=False),
    ImportColumn("basic_balance", Kind.amount, required=False),
    ImportColumn("annuity_balance", Kind.amount, required=False),
    ImportColumn("unit_credit_code", required=False),
    ImportColumn("last_certified_on", Kind.date, required=False),
    ImportColumn("reason", required=False),
)
EXAMPLE = (
    EXAMPLE_CITIZEN_ID,
    "张三",
    "2009-12-31",
    "PSBC",
    "6221880000000001",
    "张三",
    "2020-01-01",
    "3456.78",
    "2000.00",
    "500.00",
    "",
    "",
    "800.00",
    "",
    "30000.00",
    "",
    "",
    "2019-12-01",
    "系统上线接管",
)
# A batch is approved in one request (set-wise): its size keeps that request short.
MAX_ROWS = 10_000
KIND = "payout.taken_over_retirees"
DEFAULT_REASON = "系统上线批量接管"


class TakeoverBatchOut(BaseModel):
    """A take-over batch: where its review stands and what its file gave."""

    id: uuid.UUID
    job_id: uuid.UUID
    filename: str
    status: str
    total_rows: int
    accepted: int
    failed: int
    created_by: str
    created_at: datetime
    checked_by: str | None
    checked_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    report_url: str


class TakeoverReturnIn(BaseModel):
    """Why a batch goes back (the checker's or the approver's remark)."""

    model_config = ConfigDict(extra="forbid")

    remark: str = Field(min_length=1, max_length=500)
