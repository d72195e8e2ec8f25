"""Request and response models of payroll runs."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.payout.domain.periods import format_period, parse_period
from shared.contracts.payout import MONTH_PATTERN
from shared.i18n import Invalid


class RunIn(BaseModel):
    """Start a payroll run for a month (YYYY-MM)."""

    model_config = ConfigDict(extra="forbid")

    # The months a settlement can carry (shared/contracts/payout.py): 2000-01 to 2100-12.
    period: Annotated[str, Field(examples=["2020-03"], pattern=MONTH_PATTERN)]

    @field_validator("period")
    @classmethod
    def _month(cls, value: str) -> str:
        try:
            parse_period(value)
        except ValueError:
            raise Invalid("period_format") from None
        return value


class RunOut(BaseModel):
    """A payroll run: its state and progress (retirees done of total, payments made)."""

    id: uuid.UUID = Field(title="编号")
    period: str = Field(title="所属期")
    state: str = Field(title="状态代码")
    state_label: str = Field(title="状态")
    total: int = Field(title="应处理人数")
    done: int = Field(title="已处理人数")
    payments: int = Field(title="发放笔数")
    error: str | None = Field(title="错误")
    created_by: str = Field(title="创建人")
    created_at: datetime = Field(title="创建时间")
    finished_at: datetime | None = Field(title="完成时间")

    @classmethod
    def of(cls, run, labels: dict[str, str]) -> "RunOut":
        """The API view of a run row."""
        return cls(
            id=run.id,
            period=format_period(run.period),
            state=run.state,
            state_label=labels.get(run.state, run.state),
            total=run.total,
            done=run.done,
            payments=run.payments,
            error=run.error,
            created_by=run.created_by,
            created_at=run.created_at,
            finished_at=run.finished_at,
        )


def period_date(period: str) -> date:
    """The run's month as a date."""
    return parse_period(period)
