"""Request and response models of death, recoveries and death benefits."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.payout.domain.death import RECOVERY_METHODS
from shared.data.ids import CitizenIdField
from shared.data.money import Money
from shared.http.downloads import code_table

RecoveryMethod = StrEnum("RecoveryMethod", {c: c for c in RECOVERY_METHODS})  # type: ignore[misc]


class RecoveryOut(BaseModel):
    """An overpayment recovery case (追回)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    payment_id: uuid.UUID = Field(title="发放编号")
    program: str = Field(title="项目代码")
    period: date = Field(title="所属期")
    amount: Money = Field(title="追回金额")
    # The income tax withheld on the overpaid annuity: given back once recovered.
    tax_amount: Money = Field(title="税额")
    status: str = Field(title="状态代码")
    method: str | None = Field(title="追回方式", json_schema_extra=code_table("recovery_method"))
    created_at: datetime = Field(title="创建时间")
    resolved_by: str | None = Field(title="处理人")
    resolved_at: datetime | None = Field(title="处理时间")
    # A waiver or offset waiting for a second person (status pending_approval).
    requested_method: str | None = Field(
        None, title="申请方式", json_schema_extra=code_table("recovery_method")
    )
    requested_by: str | None = Field(None, title="申请人")
    requested_at: datetime | None = Field(None, title="申请时间")
    # An offset (status offsetting, then recovered): what paid lines have withheld so far.
    offset_withheld: Money | None = Field(None, title="抵扣金额")


class ResolveIn(BaseModel):
    """How the overpayment came back (or that it is written off or offset: those wait for a
    second person's approval)."""

    model_config = ConfigDict(extra="forbid")

    method: RecoveryMethod


SURVIVOR_FIELDS = (
    "survivor_name",
    "survivor_citizen_id",
    "relationship",
    "bank_code",
    "account_number",
)


class SurvivorIn(BaseModel):
    """A survivor, the account their share goes to, and the share ("1/3", "0.5", "1")."""

    model_config = ConfigDict(extra="forbid")

    survivor_name: Annotated[str, Field(min_length=1, max_length=60)]
    # Checked like any citizen id: check digit, a possible birth date not in the future.
    survivor_citizen_id: CitizenIdField
    relationship: Annotated[str, Field(min_length=1, max_length=20)]
    bank_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,12}$")]
    account_number: Annotated[str, Field(pattern=r"^\d{8,32}$")]
    share: Annotated[str, Field(pattern=r"^\d{1,6}(/\d{1,6}|\.\d{1,6})?$")] = "1"


class DeathBenefitIn(BaseModel):
    """The survivors the death benefits go to, each with their account and stated share
    (summing to exactly 1). One survivor may also be given by the fields of `SurvivorIn` at
    the top level (share 1), as before."""

    model_config = ConfigDict(extra="forbid")

    survivors: Annotated[list[SurvivorIn], Field(min_length=1, max_length=20)]

    @model_validator(mode="before")
    @classmethod
    def _one_survivor(cls, data: Any) -> Any:
        """A single survivor given at the top level is the only one, with the whole."""
        if isinstance(data, dict) and "survivors" not in data and "survivor_name" in data:
            one = {k: data[k] for k in SURVIVOR_FIELDS if k in data}
            rest = {k: v for k, v in data.items() if k not in SURVIVOR_FIELDS}
            return rest | {"survivors": [one]}
        return data


class SurvivorBackPay(BaseModel):
    """A recalculation difference owed to the estate and the one-off that pays it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    determination_id: uuid.UUID
    program: str
    month: date
    amount: Money
    one_off_id: uuid.UUID


class AdditionOut(BaseModel):
    """Back pay found after the grant, paid to the survivors as one more one-off each (a
    survivor's share of it: `payee_seq`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    payee_seq: int = 0
    period: date
    amount: Money
    status: str
    created_at: datetime
    # Income tax on its annuity part: the addition's tax on the whole (yearly table, with
    # the grant as one lump sum), this survivor's share of it.
    taxable_amount: Money = Decimal("0.00")
    tax_withheld: Money = Decimal("0.00")


class ShareOut(BaseModel):
    """A survivor's share of the grant and the one-off paying it (none for 0.00), with its
    share of the grant's income tax and what the survivor's bank pays."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    survivor_name: str
    relationship: str
    share: str
    amount: Money
    one_off_id: uuid.UUID | None
    taxable_amount: Money = Decimal("0.00")
    tax_withheld: Money = Decimal("0.00")
    net: Money | None = None


class DeathBenefitOut(BaseModel):
    """The death benefits by part, with the parameter versions used; `total` is the grant's
    payment (`one_off_id`), back pay included; later back pay is in `additions`."""

    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID = Field(title="人员编号")
    died_on: date = Field(title="死亡日期")
    funeral_grant: Money = Field(title="丧葬补助金")
    survivor_months: int = Field(title="抚恤金月数")
    survivor_base: Money = Field(title="抚恤金基数")
    survivor_amount: Money = Field(title="抚恤金")
    basic_balance_left: Money = Field(title="基本养老个人账户余额")
    annuity_balance_left: Money = Field(title="职业年金余额")
    back_pay: Money = Field(title="补发金额")
    total: Money = Field(title="合计")
    one_off_id: uuid.UUID = Field(title="一次性发放编号")
    parameter_versions: dict[str, int] = Field(title="参数版本")
    survivor_name: str = Field(title="遗属姓名")
    relationship: str = Field(title="与死者关系")
    created_by: str = Field(title="创建人")
    created_at: datetime = Field(title="创建时间")
    # Each survivor's stated share and what it comes to (one survivor: the whole).
    shares: list[ShareOut] = Field([], title="遗属份额")
    back_pay_lines: list[SurvivorBackPay] = Field([], title="补发明细")
    additions: list[AdditionOut] = Field([], title="附加项目")
    # Four eyes: requested, then approved (paid by the next run) or rejected by another user.
    status: str = Field("approved", title="状态")
    decided_by: str | None = Field(None, title="审核人")
    decided_at: datetime | None = Field(None, title="审核时间")
    # Income tax withheld from `total` (the annuity balance left and the annuity back pay,
    # yearly table, on the whole), the sum of the shares' taxes; `net` is what the
    # survivors' banks pay together (each share's own in `shares`).
    taxable_amount: Money = Field(Decimal("0.00"), title="应税金额")
    tax_withheld: Money = Field(Decimal("0.00"), title="代扣税额")
    net: Money | None = Field(None, title="实发金额")


class DeathBenefitDue(BaseModel):
    """A deceased retiree whose death benefits are not granted yet; `determination_approved`
    false: they wait for the 复核 of a determination to be worked out from."""

    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID = Field(title="人员编号")
    name: str = Field(title="姓名")
    died_on: date = Field(title="死亡日期")
    last_month: date = Field(title="最后发放月")
    first_month: date | None = Field(title="首个发放月")
    determination_approved: bool = Field(title="核定已批准")
