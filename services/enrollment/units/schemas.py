"""Request and response bodies for employer units."""

import uuid
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shared.data.clock import agency_today
from shared.data.ids import USCC_CHARSET, InvalidIdentifier, validate_uscc
from shared.i18n import Invalid


class FundingType(StrEnum):
    """How the unit is funded; decides notional vs funded annuity for the unit share."""

    full = "full"  # 财政全额
    partial = "partial"  # 财政差额
    self_funded = "self"  # 自收自支


class AdminLevel(StrEnum):
    """Administrative level of the unit."""

    province = "province"
    city = "city"
    county = "county"
    township = "township"


UnitKind = Literal["government_agency", "public_institution", "other"]  # from the credit code
UnitStatus = Literal["active", "closed"]


# The fields a clerk sorts the unit list by (`sort=name`, `sort=-registered_on`).
UNIT_SORT_FIELDS = ("name", "credit_code", "registered_on", "status")


class UnitCreate(BaseModel):
    """Register an employer unit."""

    credit_code: str = Field(min_length=18, max_length=18, examples=["12330000MB0000001X"])
    name: str = Field(min_length=1, max_length=200)
    funding_type: FundingType
    registered_on: date | None = None
    established_on: date | None = Field(
        default=None, description="When the unit was established (成立日期), if known."
    )
    code_check_override_reason: str | None = Field(
        default=None,
        min_length=5,
        max_length=500,
        description="Admin only: accept a legal early code that fails the check, and why.",
    )

    @model_validator(mode="after")
    def _check_credit_code(self) -> "UnitCreate":
        self.credit_code = self.credit_code.strip().upper()
        if any(c not in USCC_CHARSET for c in self.credit_code) or len(self.credit_code) != 18:
            # The override waives the check characters of a well-formed code, nothing else.
            raise Invalid("credit_code_format", field="credit_code")
        if self.established_on and self.established_on > agency_today():
            raise Invalid("date_in_future", field="established_on")
        if self.code_check_override_reason is None:
            try:
                validate_uscc(self.credit_code)
            except InvalidIdentifier as exc:
                raise Invalid(exc.key, field="credit_code") from exc
        if self.registered_on and self.registered_on > agency_today():
            raise Invalid("date_in_future", field="registered_on")
        return self


class UnitOut(BaseModel):
    """An employer unit."""

    id: uuid.UUID = Field(title="单位编号")
    credit_code: str = Field(title="统一社会信用代码")
    name: str = Field(title="单位名称")
    kind: UnitKind = Field(title="单位类型")
    funding_type: FundingType = Field(title="经费形式")
    status: UnitStatus = Field(title="状态")
    registered_on: date = Field(title="参保登记日期")
    established_on: date | None = Field(None, title="成立日期")
    code_check_override_reason: str | None = Field(title="校验码例外原因")
    code_check_overridden_by: str | None = Field(title="校验码例外批准人")
    admin_level: AdminLevel | None = Field(None, title="行政级别")
    contact_name: str | None = Field(None, title="联系人")
    contact_phone: str | None = Field(None, title="联系电话")
    closed_on: date | None = Field(None, title="注销日期")
    close_reason: str | None = Field(None, title="注销原因")


class UnitUpdate(BaseModel):
    """Change a unit's details; only the fields sent are changed."""

    # Left out means unchanged; the unit always has a name and a funding type, so no null.
    name: str = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    funding_type: FundingType = Field(default=None)  # type: ignore[assignment]
    admin_level: AdminLevel | None = None
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, pattern=r"^[0-9+\-() ]{5,40}$")
    reason: str = Field(min_length=2, max_length=500)


class UnitClose(BaseModel):
    """Close a unit (撤销/注销): nobody may still be insured under it."""

    closed_on: date
    reason: str = Field(min_length=2, max_length=500)

    @model_validator(mode="after")
    def _not_future(self) -> "UnitClose":
        if self.closed_on > agency_today():
            raise Invalid("date_in_future", field="closed_on")
        return self
