"""Events published by the payout service."""

import uuid
from datetime import date

from pydantic import Field

from shared.contracts.base import EventContract
from shared.data.money import Money

# Programs payout pays; budget maps each to its budget lines by the codes carried below.
PAYOUT_PROGRAMS = (
    "basic_pension",  # 基本养老金
    "occupational_annuity",  # 职业年金
    "living_subsidy",  # 生活补贴
    "survivor_pension",  # 遗属生活补助 / 抚恤金
    "transport_nursing",  # 交通护理补贴
    "hardship_aid",  # 困难补助
    "death_benefit",  # 丧葬补助金及抚恤金
    "withdrawal",  # 退保
)


# The years a payout period lies in: budget's years (its documents are 2000-2100). Payout
# refuses a period outside them where one enters it, so every settlement fits this contract.
FIRST_YEAR, LAST_YEAR = 2000, 2100
YEARS = r"(20\d{2}|2100)"
MONTH_PATTERN = rf"^{YEARS}-(0[1-9]|1[0-2])$"  # "2020-03"
QUARTER_PATTERN = rf"^{YEARS}-Q[1-4]$"  # "2020-Q1"


def settleable(period: date) -> bool:
    """Whether a period (month or quarter, as its first day) lies in the contract's years."""
    return FIRST_YEAR <= period.year <= LAST_YEAR


class DisbursementSettled(EventContract):
    """What payout has actually paid for one program and period, once its batches are final.

    A period is settled again when re-issued lines are paid later: each settlement carries a
    higher `revision` with the running totals, and a consumer keeps the highest revision.
    """

    SUBJECT = "pension.payout.disbursement.settled"

    program: str = Field(pattern="^(" + "|".join(PAYOUT_PROGRAMS) + ")$")
    period: str = Field(pattern=rf"^{YEARS}-(0[1-9]|1[0-2]|Q[1-4])$")  # "2020-03", "2020-Q1"
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    revision: int = Field(ge=1)
    functional_code: str = Field(pattern=r"^\d{3}(\d{2}){0,2}$")  # 政府收支分类 功能科目, 类/款/项
    economic_code: str = Field(pattern=r"^\d{3}(\d{2})?$")  # 支出经济分类, e.g. 303 / 30305
    paid_amount: Money  # successful lines, net of recoveries booked in the period
    paid_count: int = Field(ge=0)
    failed_amount: Money  # lines failed and not yet re-issued
    recovered_amount: Money  # overpayments recovered (追回) booked in the period
    settled_on: date
    ledger_id: uuid.UUID  # the disbursement ledger entry (program, period) in payout


class RederivationDue(EventContract):
    """Payout to itself: determinations made before parameter version `parameter_id` came into
    force (a version the province published) are to be re-derived, one batch per event from
    `offset` (past the retirees skipped before); a batch that leaves some asks for the next.
    """

    SUBJECT = "pension.payout.rederivation.due"

    parameter_id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=100)
    offset: int = Field(0, ge=0)
    reason: str = Field(min_length=1, max_length=500)
    requested_by: str = Field(
        min_length=1, max_length=200
    )  # who published: the recalculations' maker
