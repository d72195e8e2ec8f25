"""Enrollment tables, all in the enrollment schema."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, DateTime, Identity, Numeric, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.enrollment.config import SCHEMA


class Unit(SQLModel, table=True):
    """An employer unit (参保单位)."""

    __tablename__ = "unit"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    funding_type: str = Field(max_length=20)
    status: str = Field(default="active", max_length=20)
    registered_on: date
    code_check_override_reason: str | None = None
    code_check_overridden_by: str | None = None
    admin_level: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    closed_on: date | None = None
    close_reason: str | None = None
    established_on: date | None = None
    created_by: str
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class Person(SQLModel, table=True):
    """An insured person (参保人员) and their current insurance relation."""

    __tablename__ = "person"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    citizen_id: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=100)
    sex: str = Field(max_length=6)
    birth_date: date
    unit_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.unit.id", index=True)
    staff_category: str = Field(max_length=40)
    joined_on: date
    status: str = Field(default="active", max_length=20)
    joined_before_unit_reason: str | None = None
    created_by: str
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class StatusChange(SQLModel, table=True):
    """One append-only entry of a person's status history (增减变动)."""

    __tablename__ = "status_change"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    person_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.person.id", index=True)
    unit_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.unit.id")
    change_type: str = Field(max_length=30)
    status_after: str = Field(max_length=20)
    effective_on: date
    reason: str
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class UnitChange(SQLModel, table=True):
    """An audited change to a unit's details."""

    __tablename__ = "unit_change"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    unit_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.unit.id")
    changes: dict = Field(sa_column=Column(JSONB, nullable=False))
    reason: str
    changed_by: str
    changed_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class Account(SQLModel, table=True):
    """One of a person's individual accounts: basic, annuity notional or annuity funded."""

    __tablename__ = "account"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    person_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.person.id")
    kind: str = Field(max_length=20)
    opened_on: date


class Posting(SQLModel, table=True):
    """An append-only movement on an account; corrections are new postings."""

    __tablename__ = "posting"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    account_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.account.id")
    posting_type: str = Field(max_length=20)
    amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    value_date: date
    period: str | None = None
    contribution_base: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    contribution_index: Decimal | None = Field(default=None, sa_column=Column(Numeric(8, 4)))
    interest_year: int | None = None
    rate_id: int | None = None
    source_event_id: uuid.UUID | None = None
    memo: str | None = None
    created_by: str
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class InterestRate(SQLModel, table=True):
    """A dated version of the bookkeeping rate for one year and account kind."""

    __tablename__ = "interest_rate"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    year: int
    account_kind: str
    rate: Decimal = Field(sa_column=Column(Numeric(8, 6), nullable=False))
    convention: str
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class InterestRun(SQLModel, table=True):
    """The yearly interest run of one account kind, done once."""

    __tablename__ = "interest_run"
    __table_args__ = {"schema": SCHEMA}

    year: int = Field(primary_key=True)
    account_kind: str = Field(primary_key=True)
    rate_id: int
    accounts: int
    total_interest: Decimal = Field(sa_column=Column(Numeric(16, 2), nullable=False))
    run_by: str
    run_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class CoverageTarget(SQLModel, table=True):
    """The insured-count target of a year (latest version wins)."""

    __tablename__ = "coverage_target"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    year: int
    target: int
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class RetirementAgeRule(SQLModel, table=True):
    """A row of the retirement-age parameter table."""

    __tablename__ = "retirement_age_rule"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    sex: str
    staff_group: str
    born_from: date
    born_to: date | None = None
    base_age_months: int
    step_every_months: int | None = None
    step_months: int = 0
    max_age_months: int
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class MinimumContributionRule(SQLModel, table=True):
    """Minimum contribution months for retirements from a year on."""

    __tablename__ = "minimum_contribution_rule"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    from_year: int
    months: int
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class Retirement(SQLModel, table=True):
    """The retirement record: inputs, rule versions used, balances at retirement."""

    __tablename__ = "retirement"
    __table_args__ = {"schema": SCHEMA}

    person_id: uuid.UUID = Field(primary_key=True, foreign_key=f"{SCHEMA}.person.id")
    retired_on: date
    age_months: int
    required_age_months: int
    age_rule_id: int
    contribution_months: int
    deemed_months: int
    minimum_months: int
    minimum_rule_id: int
    average_index: Decimal | None = Field(default=None, sa_column=Column(Numeric(8, 4)))
    indexed_months: int
    deemed_index: Decimal | None = Field(default=None, sa_column=Column(Numeric(8, 4)))
    deemed_document: str | None = None
    basic_balance: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    annuity_notional_balance: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    annuity_funded_balance: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    bank_code: str
    bank_account_number: str
    bank_account_name: str
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class PolicyLimit(SQLModel, table=True):
    """A dated version of a named limit (ages, deemed index range, approval threshold)."""

    __tablename__ = "policy_limit"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    name: str = Field(max_length=40)
    effective_from: date
    value: Decimal = Field(sa_column=Column(Numeric(10, 4), nullable=False))
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class AccountClosing(SQLModel, table=True):
    """A closing of a person's accounts (transfer out, withdrawal, retirement)."""

    __tablename__ = "account_closing"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    person_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.person.id")
    closing_kind: str = Field(max_length=20)
    closed_on: date
    reopened_on: date | None = None
    # Postings up to this id belong to the closed period (the year-end run skips them).
    last_posting_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class ClosingInterest(SQLModel, table=True):
    """Interest a closing posted for one account and year, with its basis for true-ups."""

    __tablename__ = "closing_interest"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    closing_id: int = Field(foreign_key=f"{SCHEMA}.account_closing.id")
    account_kind: str = Field(max_length=20)
    year: int
    through_month: int
    rate_id: int | None = Field(default=None, foreign_key=f"{SCHEMA}.interest_rate.id")
    provisional: bool
    basis: Decimal = Field(sa_column=Column(Numeric(20, 6), nullable=False))
    interest: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))


class ClosingSupplement(SQLModel, table=True):
    """Money and months that arrived after a closing and follow the person (补转/补发)."""

    __tablename__ = "closing_supplement"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    closing_id: int = Field(foreign_key=f"{SCHEMA}.account_closing.id")
    person_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.person.id")
    reason: str = Field(max_length=30)
    period: str | None = None
    basic_amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    annuity_notional_amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    annuity_funded_amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    pooled_fund_amount: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    contribution_months: int = 0
    contribution_base: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    source_event_id: uuid.UUID | None = None
    closing_interest_id: int | None = Field(
        default=None, foreign_key=f"{SCHEMA}.closing_interest.id"
    )
    rate_id: int | None = Field(default=None, foreign_key=f"{SCHEMA}.interest_rate.id")
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class DeemedPeriod(SQLModel, table=True):
    """Deemed contribution months (视同缴费) before the 2014-10 reform, with who and on what."""

    __tablename__ = "deemed_period"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    person_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.person.id")
    months: int
    deemed_index: Decimal = Field(sa_column=Column(Numeric(8, 4), nullable=False))
    document: str
    source: str = Field(max_length=20)
    status: str = Field(max_length=20)
    entered_by: str
    entered_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    approved_by: str | None = None
    approved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
