"""Request and response models of payee account changes."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.http.masking import AccountNumberText


class AccountChangeIn(BaseModel):
    """The new account a retiree's payments should go to, and why."""

    model_config = ConfigDict(extra="forbid")

    bank_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,12}$")]
    account_number: Annotated[str, Field(pattern=r"^[0-9]{8,32}$")]
    # The name the bank checks (户名): printable, and not read as a spreadsheet formula.
    account_name: Annotated[
        str,
        Field(min_length=1, max_length=60, pattern=r"^[^\s=+\-@\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"),
    ]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class DecisionIn(BaseModel):
    """A remark with the decision."""

    model_config = ConfigDict(extra="forbid")

    remark: str | None = Field(default=None, max_length=500)


class AccountChangeOut(BaseModel):
    """An account change and where its approval stands."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    bank_code: str = Field(title="银行代码")
    account_number: AccountNumberText = Field(title="银行账号")
    account_name: str = Field(title="账户名")
    reason: str = Field(title="变更原因")
    status: str = Field(title="状态代码")
    status_label: str = Field("", title="状态")
    requested_by: str = Field(title="申请人")
    created_at: datetime = Field(title="创建时间")
    decided_by: str | None = Field(title="审核人")
    decided_at: datetime | None = Field(title="审核时间")
