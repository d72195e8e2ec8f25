"""Request and response bodies for insured persons."""

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from services.enrollment.domain.status import PersonStatus
from shared.data.clock import agency_today
from shared.data.ids import InvalidIdentifier, parse_citizen_id
from shared.http.downloads import code_table
from shared.http.masking import BirthDate, CitizenIdText, SexText
from shared.i18n import Invalid

# The fields a clerk sorts the person list by (`sort=name`, `sort=-joined_on`).
PERSON_SORT_FIELDS = ("name", "citizen_id", "birth_date", "joined_on", "status")


class StaffCategory(StrEnum):
    """Staff category of an insured person."""

    civil_servant = "civil_servant"  # 公务员
    public_institution_staff = "public_institution_staff"  # 事业单位工作人员
    worker = "worker"  # 工勤人员
    other = "other"


class Sex(StrEnum):
    """Sex as derived from the citizen id."""

    male = "male"
    female = "female"


class PersonCreate(BaseModel):
    """Enrol a person under a unit."""

    citizen_id: str = Field(min_length=18, max_length=18, examples=["11010519491231002X"])
    name: str = Field(min_length=1, max_length=100)
    unit_id: uuid.UUID
    staff_category: StaffCategory
    joined_on: date
    birth_date: date | None = Field(default=None, description="Optional; must match the id.")
    sex: Sex | None = Field(default=None, description="Optional; must match the id.")
    joined_before_unit_reason: str | None = Field(
        default=None,
        min_length=2,
        max_length=500,
        description="Why the joining date is before the unit was established.",
    )

    @model_validator(mode="after")
    def _check_identity(self) -> "PersonCreate":
        try:
            parsed = parse_citizen_id(self.citizen_id)
        except InvalidIdentifier as exc:
            raise Invalid(exc.key, field="citizen_id") from exc
        self.citizen_id = parsed.number
        if self.birth_date is not None and self.birth_date != parsed.birth_date:
            raise Invalid("birth_date_mismatch", field="birth_date")
        if self.sex is not None and self.sex.value != parsed.sex:
            raise Invalid("sex_mismatch", field="sex")
        if self.joined_on > agency_today():
            raise Invalid("date_in_future", field="joined_on")
        if self.joined_on < parsed.birth_date:
            raise Invalid("joined_before_birth", field="joined_on")
        self.birth_date = parsed.birth_date
        self.sex = Sex(parsed.sex)
        return self


class PersonOut(BaseModel):
    """An insured person; id, birth date and sex are shown as shared.http.masking decides."""

    id: uuid.UUID = Field(title="人员编号")
    citizen_id: CitizenIdText = Field(title="身份证号")
    name: str = Field(title="姓名")
    sex: SexText = Field(title="性别", json_schema_extra=code_table("sex"))
    birth_date: BirthDate = Field(title="出生日期")
    unit_id: uuid.UUID = Field(title="单位编号")
    staff_category: StaffCategory = Field(title="人员类别")
    joined_on: date = Field(title="参加工作日期")
    status: PersonStatus = Field(title="参保状态")
