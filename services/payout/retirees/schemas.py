"""Response models of the retiree list and a retiree's detail."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from shared.http.masking import AccountNumberText, BirthDate, CitizenIdText, SexText

# The fields a clerk sorts the retiree list by (`sort=name`, `sort=-retired_on`).
RETIREE_SORT_FIELDS = ("name", "citizen_id", "retired_on", "status", "bank_code", "paid_until")


class RetireeItem(BaseModel):
    """A retiree as the clerks' list shows them."""

    person_id: uuid.UUID = Field(title="人员编号")
    citizen_id: CitizenIdText = Field(title="身份证号")
    name: str = Field(title="姓名")
    status: str = Field(title="状态代码")
    status_label: str = Field(title="状态")
    retired_on: date = Field(title="退休日期")
    bank_code: str = Field(title="银行代码")
    account_number: AccountNumberText = Field(title="银行账号")
    paid_until: date | None = Field(title="已发至")
    last_certified_on: date | None = Field(title="上次认证日期")
    certification_due_on: date = Field(title="应认证日期")
    out_of_province: bool = Field(title="异地居住")


class RetireeDetail(RetireeItem):
    """One retiree: the list's fields and who they are, where they are paid, their months."""

    sex: SexText
    birth_date: BirthDate
    unit_id: uuid.UUID
    unit_credit_code: str
    account_name: str
    first_month: date | None
    last_month: date | None
    died_on: date | None
