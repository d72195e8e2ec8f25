"""Payout tables, all in the payout schema (created by migrations/versions/0003)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.payout.config import SCHEMA
from shared.data.columns import now_column, numeric, text_column, text_or_none, zero
from shared.data.search import NAME_KEY_SQL


class Parameter(SQLModel, table=True):
    """One dated version of a policy parameter; its value is a document checked by name. A
    version is submitted by an admin and in force only once a finance user approves it."""

    __tablename__ = "parameter"
    __table_args__ = (
        Index("parameter_lookup", "name", "effective_from", "id"),
        CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected')", name="parameter_status_check"
        ),
        CheckConstraint(
            "decided_by IS NULL OR decided_by <> recorded_by", name="parameter_decided_by_check"
        ),
        {"schema": SCHEMA},
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    effective_from: date
    value: dict = Field(sa_column=Column(JSONB, nullable=False))
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = now_column()
    status: str = Field(
        default="approved", sa_type=Text, sa_column_kwargs={"server_default": "approved"}
    )
    decided_by: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = Field(default=None, sa_type=Text)


class Retiree(SQLModel, table=True):
    """A retired person as payout knows them, from enrollment's person.retired."""

    __tablename__ = "retiree"
    __table_args__ = (
        UniqueConstraint("citizen_id", name="retiree_citizen_id"),
        Index(
            "retiree_name_key_prefix", "name_key", postgresql_ops={"name_key": "text_pattern_ops"}
        ),
        {"schema": SCHEMA},
    )

    person_id: uuid.UUID = Field(primary_key=True)
    citizen_id: str = Field(max_length=18)
    name: str
    sex: str
    birth_date: date
    unit_id: uuid.UUID
    unit_credit_code: str
    retired_on: date
    status: str = "active"
    bank_code: str
    account_number: str
    account_name: str
    retirement: dict = Field(sa_column=Column(JSONB, nullable=False))
    source_event_id: uuid.UUID
    created_at: datetime = now_column()
    # Payroll bookkeeping: paid from first_month (the first approved determination) to
    # last_month (the month of death) at most; paid_until is the last month with payments.
    first_month: date | None = None
    last_month: date | None = None
    paid_until: date | None = None
    # Survival certification: the latest one, and where the retiree lives.
    last_certified_on: date | None = None
    out_of_province: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=text("false")),
    )
    died_on: date | None = None
    # The name with brackets of either width alike, for prefix search (shared/data/search.py).
    name_key: str | None = Field(
        default=None, sa_column=Column(Text, Computed(NAME_KEY_SQL, persisted=True))
    )


class Determination(SQLModel, table=True):
    """One benefit determination (待遇核定); corrections and 调待 are new rows, never edits."""

    __tablename__ = "determination"
    __table_args__ = (
        UniqueConstraint("person_id", "seq", name="determination_person_seq"),
        UniqueConstraint("source_event_id", name="determination_source_event"),
        # The payroll's lookup of the determination in force for a month, index-only.
        Index(
            "determination_in_force",
            "person_id",
            text("effective_from DESC"),
            text("seq DESC"),
            postgresql_include=[
                "id",
                "monthly_amount",
                "annuity_monthly",
                "annuity_balance",
                "floor_amount",
            ],
            postgresql_where=text("status = 'approved'"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    seq: int
    kind: str
    effective_from: date
    status: str = "pending"
    inputs: dict = Field(sa_column=Column(JSONB, nullable=False))
    parameter_versions: dict = Field(sa_column=Column(JSONB, nullable=False))
    months_divisor: int
    basic_pension: Decimal = numeric()
    account_pension: Decimal = numeric()
    transitional_pension: Decimal = numeric()
    total: Decimal = numeric()
    comparison_adjustment: Decimal = numeric()
    adjustments: Decimal = numeric()
    monthly_amount: Decimal = numeric()
    annuity_monthly: Decimal = numeric()
    # Computed by the database from inputs (the payroll reads it per retiree and month).
    annuity_balance: Decimal | None = Field(
        default=None,
        sa_column=Column(
            Numeric(14, 2),
            Computed("CAST(inputs->>'annuity_balance' AS numeric(14, 2))", persisted=True),
        ),
    )
    comparison: dict | None = Field(default=None, sa_column=Column(JSONB))
    # 保低 kept once the annuity runs out: the least basic pension + annuity of a month
    # (domain/annuity.py); NULL without a comparison or where the floor lapses.
    floor_amount: Decimal | None = numeric(nullable=True)
    supersedes: uuid.UUID | None = None
    # A 调待's or a correction's terms (records.terms_to_json), re-applied by an earlier
    # correction; rebased_on: the determination in review this one was recomputed on.
    terms: dict | None = Field(default=None, sa_column=Column(JSONB))
    rebased_on: uuid.UUID | None = None
    # 预发: paid before its inputs are final, to be settled by a correction or re-derivation.
    provisional: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=text("false")),
    )
    reason: str | None = None
    source_event_id: uuid.UUID | None = None
    created_by: str
    created_at: datetime = now_column()
    checked_by: str | None = None
    checked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    approved_by: str | None = None
    approved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class PayrollRun(SQLModel, table=True):
    """A payroll run for a period: a job with its state and progress (done / total)."""

    __tablename__ = "payroll_run"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    period: date
    state: str = "queued"
    total: int = 0
    done: int = 0
    payments: int = 0
    lease_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    error: str | None = None
    created_by: str
    created_at: datetime = now_column()
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class PayrollChunk(SQLModel, table=True):
    """A run's share of the retiree table (blocks first_block up to end_block, open-ended
    when None), taken by one worker at a time and done in one transaction."""

    __tablename__ = "payroll_chunk"
    __table_args__ = {"schema": SCHEMA}

    run_id: uuid.UUID = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    first_block: int = Field(sa_type=BigInteger)
    end_block: int | None = Field(default=None, sa_type=BigInteger)
    state: str = "pending"
    retirees: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    payments: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})
    done_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Batch(SQLModel, table=True):
    """The payments of one run going through one bank from one paying account (报盘)."""

    __tablename__ = "batch"
    __table_args__ = (
        UniqueConstraint("run_id", "bank_code", "program", name="batch_run_bank_program"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    run_id: uuid.UUID
    period: date
    bank_code: str
    program: str
    created_at: datetime = now_column()
    # The bank's own control totals (回盘汇总), compared with ours for reconciliation.
    bank_paid_count: int | None = None
    bank_paid_amount: Decimal | None = numeric(nullable=True)
    bank_failed_count: int | None = None
    bank_failed_amount: Decimal | None = numeric(nullable=True)
    bank_reported_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )


class Payment(SQLModel, table=True):
    """One line paid to one person for one program and period; a failed line that is
    re-issued stays as it was (status reissued) beside its replacement."""

    __tablename__ = "payment"
    __table_args__ = (
        Index(
            "payment_once",
            "person_id",
            "program",
            "period",
            unique=True,
            # Death-benefit lines are each their one-off's; several survivors' lines share
            # a person, program and month (migration 0023).
            postgresql_where=text(
                "status <> 'reissued' AND difference_id IS NULL AND program <> 'death_benefit'"
            ),
        ),
        # One index serves files and tallies (a batch's lines), and the ledger's "still
        # waiting for the bank" and totals (a program's batches, then period and status):
        # a second index had cost a payroll run about a sixth of its database CPU.
        Index("payment_batch", "batch_id", "period", "status"),
        Index("payment_failed", "person_id", postgresql_where=text("status = 'failed'")),
        # A bank's own results by day (migration 0035_c6_result_suspense).
        Index(
            "payment_bank_result",
            "bank_code",
            "result_at",
            postgresql_where=text("result_at IS NOT NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    program: str
    period: date
    amount: Decimal = numeric()
    determination_id: uuid.UUID | None = None
    run_id: uuid.UUID | None = None
    batch_id: uuid.UUID
    # What the line was sent with: the payee's citizen id, bank and account.
    person_number: str
    bank_code: str
    account_number: str
    account_name: str
    status: str = "sent"
    reason_code: str | None = None
    reissue_of: uuid.UUID | None = None
    # Back pay of a recalculation difference (its id): beside the month's regular line.
    difference_id: uuid.UUID | None = None
    # What an approved offset withholds from the line (offset_deduction): the bank is sent
    # amount − offset_amount; the amount stays what the month is due.
    offset_amount: Decimal = Field(
        default=Decimal("0.00"),
        sa_column=Column(Numeric(14, 2), nullable=False, server_default=text("0")),
    )
    result_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = now_column()
    # Income tax (domain/tax.py): the taxable part of `amount` and the tax withheld from it;
    # the bank pays amount - tax_withheld.
    taxable_amount: Decimal = zero()
    tax_withheld: Decimal = zero()


class AccountChange(SQLModel, table=True):
    """A request to pay a retiree into another account; in force only once a second user
    has approved it."""

    __tablename__ = "account_change"
    __table_args__ = (Index("account_change_person", "person_id", "created_at"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    bank_code: str
    account_number: str
    account_name: str
    reason: str
    status: str = "pending"
    requested_by: str
    created_at: datetime = now_column()
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Certification(SQLModel, table=True):
    """One survival certification (资格认证) of a retiree; append-only but for the decision
    on the resumption it asks for."""

    __tablename__ = "certification"
    __table_args__ = (
        Index("certification_person", "person_id", "certified_on"),
        Index(
            "certification_pending",
            "created_at",
            postgresql_where=text("resumption = 'pending'"),
        ),
        CheckConstraint(
            "resumption IN ('pending', 'approved', 'rejected')",
            name="certification_resumption_check",
        ),
        CheckConstraint(
            "decided_by IS NULL OR decided_by <> recorded_by",
            name="certification_decided_by_check",
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    method: str
    certified_on: date
    out_of_province: bool
    note: str | None = None
    recorded_by: str
    created_at: datetime = now_column()
    # A resumption of a suspended retiree waits for a second person (migration 0030).
    resumption: str | None = Field(default=None, sa_type=Text)
    decided_by: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = Field(default=None, sa_type=Text)


class ResultSuspense(SQLModel, table=True):
    """A bank's result for a reference the agency does not know (待查明款项), until resolved."""

    __tablename__ = "result_suspense"
    __table_args__ = (
        UniqueConstraint("bank_id", "reference", name="result_suspense_bank_id_reference_key"),
        CheckConstraint("outcome IN ('paid', 'failed')", name="result_suspense_outcome_check"),
        CheckConstraint("reason IN ('line_unknown')", name="result_suspense_reason_check"),
        CheckConstraint(
            "status IN ('open', 'submitted', 'matched', 'returned')",
            name="result_suspense_status_check",
        ),
        CheckConstraint(
            "action IS NULL OR action IN ('match', 'return')",
            name="result_suspense_action_check",
        ),
        CheckConstraint(
            "action <> 'match' OR payment_id IS NOT NULL", name="result_suspense_match_check"
        ),
        CheckConstraint(
            "decided_by IS NULL OR decided_by <> submitted_by",
            name="result_suspense_decided_by_check",
        ),
        Index(
            "result_suspense_pending",
            "posted_at",
            postgresql_where=text("status IN ('open', 'submitted')"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    bank_id: str = Field(sa_type=Text)
    reference: uuid.UUID
    outcome: str = Field(sa_type=Text)
    reason_code: str | None = Field(default=None, sa_type=Text)
    reason: str = Field(sa_type=Text)
    status: str = Field(sa_type=Text)
    posted_at: datetime = now_column()
    action: str | None = Field(default=None, sa_type=Text)
    payment_id: uuid.UUID | None = Field(default=None, foreign_key=f"{SCHEMA}.payment.id")
    note: str | None = Field(default=None, sa_type=Text)
    submitted_by: str | None = Field(default=None, sa_type=Text)
    submitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decided_by: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = Field(default=None, sa_type=Text)


class Recovery(SQLModel, table=True):
    """An overpayment to recover (追回): a payment for a month after the retiree's death, or
    a basic pension for a month also drawn elsewhere (a confirmed duplicate receipt)."""

    __tablename__ = "recovery"
    __table_args__ = (
        UniqueConstraint("payment_id", name="recovery_payment"),
        Index("recovery_person", "person_id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    payment_id: uuid.UUID
    program: str
    period: date
    amount: Decimal = numeric()
    status: str = "open"
    method: str | None = None
    created_at: datetime = now_column()
    # The income tax withheld on the overpaid annuity (domain/tax.tax_given_back): given back
    # in the tax report once the case is recovered (migration 0032).
    tax_amount: Decimal = zero()
    resolved_by: str | None = None
    resolved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # A waiver or offset waiting for a second person (status pending_approval): who asked.
    requested_method: str | None = None
    requested_by: str | None = None
    requested_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class DeathBenefit(SQLModel, table=True):
    """The death benefits of one deceased retiree, paid once to the named survivor."""

    __tablename__ = "death_benefit"
    __table_args__ = {"schema": SCHEMA}

    person_id: uuid.UUID = Field(primary_key=True)
    died_on: date
    funeral_grant: Decimal = numeric()
    survivor_months: int
    survivor_base: Decimal = numeric()
    survivor_amount: Decimal = numeric()
    basic_balance_left: Decimal = numeric()
    annuity_balance_left: Decimal = numeric()
    # Recalculation back pay for months up to the death, paid with the benefits (in total).
    back_pay: Decimal = numeric()
    total: Decimal = numeric()
    parameter_versions: dict = Field(sa_column=Column(JSONB, nullable=False))
    # The one-off payment that carries the total to the survivor.
    one_off_id: uuid.UUID
    survivor_name: str
    relationship: str
    created_by: str
    created_at: datetime = now_column()
    # Four eyes: requested, then approved (its one-off goes to the next run) or rejected by
    # a second person.
    status: str = "requested"
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class DeathBenefitShare(SQLModel, table=True):
    """One survivor's stated share of a death benefit, their account, and the one-off that
    pays it (none for a share that comes to nothing); additions are split the same way."""

    __tablename__ = "death_benefit_share"
    __table_args__ = {"schema": SCHEMA}

    person_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey(f"{SCHEMA}.death_benefit.person_id", ondelete="CASCADE"), primary_key=True
        )
    )
    seq: int = Field(sa_column=Column(SmallInteger, primary_key=True))
    survivor_name: str
    relationship: str
    citizen_id: str = Field(max_length=18)
    bank_code: str
    account_number: str
    share: str
    amount: Decimal = numeric()
    one_off_id: uuid.UUID | None = None


class OneOff(SQLModel, table=True):
    """A one-off payment (death benefit, withdrawal, subsidy) waiting for the next run's
    batches; its id becomes the payment's reference."""

    __tablename__ = "one_off"
    __table_args__ = (
        UniqueConstraint("person_id", "program", "period", "payee_seq", name="one_off_once"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    citizen_id: str
    program: str
    period: date
    amount: Decimal = numeric()
    bank_code: str
    account_number: str
    account_name: str
    status: str = "pending"
    source: str
    created_at: datetime = now_column()
    # Income tax on its annuity part, carried to its payment (domain/tax.py).
    taxable_amount: Decimal = zero()
    tax_withheld: Decimal = zero()
    # The survivor's number when several share a death benefit (or a survivor pension); 0
    # for every other one-off.
    payee_seq: int = Field(
        default=0, sa_column=Column(SmallInteger, nullable=False, server_default=text("0"))
    )


class LedgerSettlement(SQLModel, table=True):
    """What was actually paid for one program and period, each time its lines all became
    final (拨付台帐结算); a later revision carries the running totals."""

    __tablename__ = "ledger_settlement"
    __table_args__ = (
        UniqueConstraint("program", "period", "revision", name="ledger_settlement_revision"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    ledger_id: uuid.UUID
    program: str
    period: date
    revision: int
    paid_count: int
    paid_amount: Decimal = numeric()
    failed_amount: Decimal = numeric()
    recovered_amount: Decimal = numeric()
    functional_code: str
    economic_code: str
    parameter_version: int
    settled_on: date
    created_at: datetime = now_column()


class SubsidyEntitlement(SQLModel, table=True):
    """A retiree's entitlement to a local subsidy program from a quarter (to a quarter)."""

    __tablename__ = "subsidy_entitlement"
    __table_args__ = (
        # Once per person, program and start, unless rejected (a corrected request may follow).
        Index(
            "subsidy_entitlement_once",
            "person_id",
            "program",
            "from_quarter",
            unique=True,
            postgresql_where=text("status <> 'rejected'"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    program: str
    from_quarter: date
    to_quarter: date | None = None
    quarterly_amount: Decimal | None = numeric(nullable=True)
    created_by: str
    created_at: datetime = now_column()
    # Four eyes: counts in a subsidy run only once approved by a second person. An amount
    # change's successor names the entitlement it replaces; the end is recorded on approval.
    status: str = "requested"
    replaces_id: uuid.UUID | None = Field(
        default=None, foreign_key=f"{SCHEMA}.subsidy_entitlement.id"
    )
    change_reason: str | None = Field(default=None, sa_type=Text)
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # A survivor pension (遗属生活补助) of a deceased retiree: the survivor it is paid to and
    # the condition it ends on (migration 0024); NULL for every other entitlement.
    survivor_name: str | None = None
    survivor_citizen_id: str | None = Field(default=None, max_length=18)
    survivor_relationship: str | None = None
    survivor_bank_code: str | None = None
    survivor_account_number: str | None = None
    end_condition: str | None = Field(default=None, sa_type=Text)
    # The survivor is certified alive like a retiree (migration 0033): the last certification,
    # and one after a lapse waiting for a second person.
    survivor_certified_on: date | None = None
    survivor_recertified_on: date | None = None
    survivor_recertified_by: str | None = Field(default=None, sa_type=Text)


class SubsidyEntitlementEnd(SQLModel, table=True):
    """An entitlement ended at a quarter (its last), by a clerk with a reason; an amount
    change ends it the quarter before and names its successor. Ends only shorten: the
    earliest recorded last quarter counts."""

    __tablename__ = "subsidy_entitlement_end"
    __table_args__ = (
        UniqueConstraint("entitlement_id", "last_quarter", name="subsidy_entitlement_end_once"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    entitlement_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.subsidy_entitlement.id")
    last_quarter: date
    reason: str = Field(sa_type=Text)
    successor_id: uuid.UUID | None = Field(
        default=None, foreign_key=f"{SCHEMA}.subsidy_entitlement.id"
    )
    ended_by: str
    created_at: datetime = now_column()


class UndeterminedRetirement(SQLModel, table=True):
    """A retirement recorded without a determination (no 计发月数 for the age, a parameter
    not in force, no index): listed for a clerk until a determination is made for it."""

    __tablename__ = "undetermined_retirement"
    __table_args__ = {"schema": SCHEMA}

    person_id: uuid.UUID = Field(primary_key=True, foreign_key=f"{SCHEMA}.retiree.person_id")
    reason_code: str
    detail: str = Field(sa_type=Text)
    source_event_id: uuid.UUID
    created_at: datetime = now_column()
    resolved_by: str | None = None
    resolved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    determination_id: uuid.UUID | None = Field(
        default=None, foreign_key=f"{SCHEMA}.determination.id"
    )


class DeathNotice(SQLModel, table=True):
    """A death payout heard of before (or without) the person's retirement: applied when
    the retirement arrives, since the two events may be consumed in either order."""

    __tablename__ = "death_notice"
    __table_args__ = {"schema": SCHEMA}

    person_id: uuid.UUID = Field(primary_key=True)
    date_of_death: date
    source_event_id: uuid.UUID
    created_at: datetime = now_column()


class BenefitDifference(SQLModel, table=True):
    """A difference found when a determination was approved (determination_id) for a month
    already paid: back pay (paid by the next run, or to a deceased retiree's survivor) or a
    recovery (a recovery case); its id is the back-pay payment's or the case's key."""

    __tablename__ = "benefit_difference"
    __table_args__ = (
        UniqueConstraint("determination_id", "program", "month", name="benefit_difference_once"),
        Index("benefit_difference_person", "person_id", "month"),
        Index(
            "benefit_difference_pending",
            "status",
            postgresql_where=text("status = 'pending'"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID
    determination_id: uuid.UUID
    program: str
    month: date
    settled: Decimal = numeric()
    due: Decimal = numeric()
    amount: Decimal = numeric()
    kind: str
    status: str
    created_by: str
    created_at: datetime = now_column()
    # Back pay owed to a deceased retiree: the one-off that paid it to the survivor.
    one_off_id: uuid.UUID | None = None


class SubsidyRun(SQLModel, table=True):
    """A quarter a subsidy program was run for, with its standard then (back pay uses it)."""

    __tablename__ = "subsidy_run"
    __table_args__ = {"schema": SCHEMA}

    program: str = Field(primary_key=True)
    quarter: date = Field(primary_key=True)
    standard: Decimal = numeric()
    parameter_version: int
    run_by: str
    created_at: datetime = now_column()
    # Whether the standard pro-rates a partial quarter (migration 0025); back pay uses it too.
    prorate: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )


class FailedLineDecision(SQLModel, table=True):
    """What was decided about a failed line, which is owed until paid or written off: a
    retry to the same account (one person), a write-off (requested, then approved or
    rejected by a second person), or, for a deceased retiree, payment to the estate."""

    __tablename__ = "failed_line_decision"
    __table_args__ = (
        Index(
            "failed_line_decision_once",
            "payment_id",
            unique=True,
            postgresql_where=text("status NOT IN ('rejected', 'cancelled')"),
        ),
        Index("failed_line_decision_person", "person_id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    payment_id: uuid.UUID
    person_id: uuid.UUID
    action: str
    status: str
    amount: Decimal = numeric()
    reason: str = Field(sa_type=Text)
    requested_by: str
    created_at: datetime = now_column()
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # The re-issued line (retry), or the one-off that paid it to the survivor (estate).
    replacement_id: uuid.UUID | None = None
    one_off_id: uuid.UUID | None = None


class OffsetDeduction(SQLModel, table=True):
    """A part of a recovery case (offset approved by a second person) withheld from a later
    line: it counts as recovered once that line is paid."""

    __tablename__ = "offset_deduction"
    __table_args__ = (
        UniqueConstraint("recovery_id", "payment_id", name="offset_deduction_once"),
        Index("offset_deduction_payment", "payment_id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    recovery_id: uuid.UUID
    payment_id: uuid.UUID
    person_id: uuid.UUID
    amount: Decimal = numeric()
    created_at: datetime = now_column()
    # The case became void after this was withheld (its line failed): the payment that gave
    # it back to the estate (death/estate.offset_refunds_to_estate).
    refund_one_off_id: uuid.UUID | None = None


class DuplicateReceipt(SQLModel, table=True):
    """The province's finding that a retiree draws a pension elsewhere (重复领取比对); while
    open (or confirmed) it holds the retiree's payment (migration 0037)."""

    __tablename__ = "duplicate_receipt"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'clear_requested', 'cleared', 'confirmed')",
            name="duplicate_receipt_status_check",
        ),
        CheckConstraint(
            "action IS NULL OR action IN ('cleared', 'confirmed')",
            name="duplicate_receipt_action_check",
        ),
        CheckConstraint(
            "benefit_kind IN ('enterprise_pension', 'institution_pension', "
            "'resident_pension', 'other')",
            name="duplicate_receipt_benefit_kind_check",
        ),
        CheckConstraint(
            "decided_by IS NULL OR decided_by <> resolved_by",
            name="duplicate_receipt_decided_by_check",
        ),
        Index(
            "duplicate_receipt_holding",
            "person_id",
            "other_area_code",
            "benefit_kind",
            unique=True,
            postgresql_where=text("status IN ('open', 'clear_requested', 'confirmed')"),
        ),
        Index("duplicate_receipt_received", "received_at", "id"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    message_id: str = Field(sa_type=Text)
    person_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.retiree.person_id")
    other_area_code: str = Field(sa_type=Text)
    other_agency: str = Field(sa_type=Text)
    benefit_kind: str = Field(sa_type=Text)
    drawing_since: date
    # Whether this listing suspended payment (the retiree was being paid when it came).
    held: bool
    status: str = Field(sa_type=Text)
    received_at: datetime = now_column()
    # The clerk's resolution (cleared waits for a second person; confirmed is final).
    action: str | None = Field(default=None, sa_type=Text)
    reason: str | None = Field(default=None, sa_type=Text)
    resolved_by: str | None = Field(default=None, sa_type=Text)
    resolved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decided_by: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = Field(default=None, sa_type=Text)
    # Confirmed: how many recovery cases it opened.
    recoveries: int | None = None


def _count() -> Any:
    """A count the database starts at zero."""
    return Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))


class TakeoverBatch(SQLModel, table=True):
    """A file of retirees taken over (批量接管): imported by a job, then checked and approved
    as one batch by two people; its kept report names every line's result."""

    __tablename__ = "takeover_batch"
    __table_args__ = (
        CheckConstraint(
            "status IN ('importing', 'imported', 'checked', 'approved', 'returned')",
            name="takeover_batch_status_check",
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    job_id: uuid.UUID
    filename: str = text_column()
    # importing -> imported -> checked -> approved; returned from imported or checked, or
    # from importing once its job failed for good
    status: str = Field(default="importing", sa_type=Text)
    total_rows: int = _count()
    accepted: int = _count()
    failed: int = _count()
    # The report as shared.http.import_reports keeps it (header, columns, rows' results).
    report: dict | None = Field(default=None, sa_column=Column(JSONB))
    created_by: str = text_column()
    created_at: datetime = now_column()
    checked_by: str | None = text_or_none()
    checked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    approved_by: str | None = text_or_none()
    approved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class TakeoverBatchLine(SQLModel, table=True):
    """A line of a take-over batch that was taken: the retiree and determination it made."""

    __tablename__ = "takeover_batch_line"
    __table_args__ = (
        Index("takeover_batch_line_batch", "batch_id", "line"),
        {"schema": SCHEMA},
    )

    determination_id: uuid.UUID = Field(primary_key=True, foreign_key="payout.determination.id")
    batch_id: uuid.UUID = Field(foreign_key="payout.takeover_batch.id")
    line: int
    person_id: uuid.UUID
