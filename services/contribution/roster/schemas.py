"""Answers of the roster: persons liable for contributions and their liability."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.contribution.domain.codes import PERSON_STATUSES, STAFF_CATEGORIES, declared
from shared.http.masking import CitizenIdText


class IntervalOut(BaseModel):
    """A stretch in which the person owes contributions through a unit (end exclusive)."""

    unit_id: uuid.UUID
    start_on: date
    end_on: date | None


class RosterPersonOut(BaseModel):
    """A person liable for contributions."""

    id: uuid.UUID = Field(title="人员编号")
    citizen_id: CitizenIdText = Field(title="身份证号")
    name: str = Field(title="姓名")
    unit_id: uuid.UUID = Field(title="单位编号")
    unit_credit_code: str = Field(title="单位统一社会信用代码")
    staff_category: str = Field(title="人员类别", json_schema_extra=declared(STAFF_CATEGORIES))
    joined_on: date = Field(title="参加工作日期")
    status: str = Field(title="参保状态", json_schema_extra=declared(PERSON_STATUSES))
    liability: list[IntervalOut] = Field([], title="缴费义务")
