"""Events published by the enrollment service."""

import uuid
from datetime import date
from decimal import Decimal

from shared.contracts.base import EventContract
from shared.data.money import Money


class UnitRegistered(EventContract):
    """An employer unit was registered."""

    SUBJECT = "pension.enrollment.unit.registered"
    VERSION = 1

    unit_id: uuid.UUID
    credit_code: str
    name: str
    kind: str
    funding_type: str
    registered_on: date


class PersonRegistered(EventContract):
    """A person was enrolled under a unit (new insurance relation)."""

    SUBJECT = "pension.enrollment.person.registered"
    VERSION = 1

    person_id: uuid.UUID
    citizen_id: str
    name: str
    sex: str
    birth_date: date
    unit_id: uuid.UUID
    unit_credit_code: str
    staff_category: str
    joined_on: date


class PersonStatusChanged(EventContract):
    """A person's insurance relation changed status (增减变动)."""

    SUBJECT = "pension.enrollment.person.status_changed"
    VERSION = 1

    person_id: uuid.UUID
    unit_id: uuid.UUID
    change_type: str
    status_after: str
    effective_on: date
    reason: str


class PersonDeceased(EventContract):
    """A person died: payments stop after this month; the accounts become inheritable."""

    SUBJECT = "pension.enrollment.person.deceased"
    VERSION = 1

    person_id: uuid.UUID
    unit_id: uuid.UUID
    date_of_death: date


class UnitUpdated(EventContract):
    """A unit's details changed (only the changed fields are listed)."""

    SUBJECT = "pension.enrollment.unit.updated"
    VERSION = 1

    unit_id: uuid.UUID
    changes: dict[str, str | None]


class UnitClosed(EventContract):
    """A unit closed; nobody is insured under it any more."""

    SUBJECT = "pension.enrollment.unit.closed"
    VERSION = 1

    unit_id: uuid.UUID
    closed_on: date
    reason: str


class PersonRetired(EventContract):
    """A person retired: everything payout needs to determine the benefit."""

    SUBJECT = "pension.enrollment.person.retired"
    VERSION = 1

    person_id: uuid.UUID
    unit_id: uuid.UUID
    unit_credit_code: str
    citizen_id: str
    name: str
    sex: str
    birth_date: date
    retired_on: date
    age_months: int
    contribution_months: int  # actual months contributed, from the basic account
    deemed_months: int  # 视同缴费 months before the reform
    average_index: Decimal | None  # average contribution index over indexed months
    indexed_months: int
    deemed_index: Decimal | None
    basic_balance: Money
    annuity_notional_balance: Money
    annuity_funded_balance: Money
    bank_code: str
    bank_account_number: str
    bank_account_name: str
    closing_interest: Money = Decimal("0.00")  # interest to the retirement date, in the balances
    deemed_document: str | None = None
    # What the average index I is computed from (issue #18; optional: older events lack them
    # and payout falls back on average_index × indexed_months, nothing brought in).
    index_sum: Decimal | None = None  # Σ monthly indices of the local indexed months
    transferred_months: int | None = None  # actual months brought in (in contribution_months)
    transferred_indexed_months: int | None = None  # of those, months with a stated index
    transferred_index_sum: Decimal | None = None  # Σ their monthly indices


class PersonWithdrawn(EventContract):
    """A person's insurance ended with their account balances paid out (退保)."""

    SUBJECT = "pension.enrollment.person.withdrawn"
    VERSION = 1

    person_id: uuid.UUID
    unit_id: uuid.UUID
    reason: str  # death | settled_abroad | lump_sum_at_retirement_age
    effective_on: date
    basic_amount: Money
    annuity_notional_amount: Money  # to be funded by the unit before payment
    annuity_funded_amount: Money
    total_amount: Money
    closing_interest: Money = Decimal("0.00")  # interest to the closing date, in the amounts
    payee_name: str
    payee_bank_code: str
    payee_account_number: str


class PersonTransferredOut(EventContract):
    """A person's insurance moved to another pooling area or scheme, with these amounts."""

    SUBJECT = "pension.enrollment.person.transferred_out"
    VERSION = 1

    person_id: uuid.UUID
    unit_id: uuid.UUID
    effective_on: date
    destination_area_code: str
    destination_agency: str
    destination_scheme: str
    basic_amount: Money
    pooled_fund_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    contribution_months: int  # contributed here and brought in, every month the person holds
    deemed_months: int = 0
    deemed_index: Decimal | None = None
    closing_interest: Money = Decimal("0.00")  # interest to the closing date, in the amounts


class PersonTransferredIn(EventContract):
    """A person's insurance arrived from another pooling area or scheme."""

    SUBJECT = "pension.enrollment.person.transferred_in"
    VERSION = 1

    person_id: uuid.UUID
    unit_id: uuid.UUID
    unit_credit_code: str
    citizen_id: str
    name: str
    staff_category: str
    effective_on: date
    origin_area_code: str
    basic_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    contribution_months: int
    pooled_fund_amount: Money = Decimal("0.00")
    deemed_months: int = 0


class PersonClosingSupplemented(EventContract):
    """Money or months that arrived after a closing follow the person (补转 / 补发).

    `closing_kind` says where it goes: transfer_out to the receiving agency, withdrawal to the
    payee of the withdrawal, retirement into the pension's determination.
    """

    SUBJECT = "pension.enrollment.person.closing_supplemented"
    VERSION = 1

    supplement_id: int
    person_id: uuid.UUID
    closing_kind: str  # transfer_out | withdrawal | retirement
    closed_on: date
    reason: str  # late_contribution | interest_true_up
    period: str | None
    basic_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    pooled_fund_amount: Money
    contribution_months: int
