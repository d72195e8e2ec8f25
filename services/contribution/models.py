"""Contribution tables, all in the contribution schema, exactly as the migrations create them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from services.contribution.config import SCHEMA
from shared.data.columns import now_column, numeric, text_column, text_or_none, zero


def _serial() -> Any:
    """A bigserial primary key."""
    return Field(default=None, sa_column=Column(BigInteger, primary_key=True))


def _parameter_ids() -> Any:
    """The ids of the parameter versions a calculation used."""
    return Field(sa_column=Column(ARRAY(BigInteger), nullable=False))


class RosterUnit(SQLModel, table=True):
    """An employer unit as contribution knows it (from enrollment events)."""

    __tablename__ = "roster_unit"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str = text_column()
    funding_type: str = text_column()
    registered_on: date
    status: str = Field(default="open", sa_type=Text, sa_column_kwargs={"server_default": "open"})
    closed_on: date | None = None
    source_event_id: uuid.UUID
    updated_at: datetime = now_column()


class RosterPerson(SQLModel, table=True):
    """An insured person as contribution knows them (from enrollment events)."""

    __tablename__ = "roster_person"
    __table_args__ = (Index("roster_person_unit_id", "unit_id"), {"schema": SCHEMA})

    id: uuid.UUID = Field(primary_key=True)
    citizen_id: str = Field(max_length=18, unique=True)
    name: str = text_column()
    unit_id: uuid.UUID
    unit_credit_code: str = Field(max_length=18)
    staff_category: str = text_column()
    joined_on: date
    status: str = Field(
        default="active", sa_type=Text, sa_column_kwargs={"server_default": "active"}
    )
    source_event_id: uuid.UUID
    updated_at: datetime = now_column()


class Parameter(SQLModel, table=True):
    """One dated version of a policy parameter; the latest approved version in force wins."""

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

    id: int | None = _serial()
    name: str = text_column()
    effective_from: date
    value: Decimal = numeric(14, 6)
    note: str | None = text_or_none()
    recorded_by: str = text_column()
    recorded_at: datetime = now_column()
    status: str = Field(
        default="approved", sa_type=Text, sa_column_kwargs={"server_default": "approved"}
    )
    decided_by: str | None = text_or_none()
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = text_or_none()


class Declaration(SQLModel, table=True):
    """A unit's yearly base declaration (缴费基数申报) and where its review stands."""

    __tablename__ = "declaration"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="declaration_unit_id_year_key"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID
    year: int
    status: str = text_column()
    average_wage: Decimal = numeric()
    floor: Decimal = numeric()
    cap: Decimal = numeric()
    parameter_ids: list[int] = _parameter_ids()
    created_by: str = text_column()
    created_at: datetime = now_column()
    submitted_by: str | None = text_or_none()
    submitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decided_by: str | None = text_or_none()
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = text_or_none()


class DeclarationLine(SQLModel, table=True):
    """One person's declared wage and the base it gives."""

    __tablename__ = "declaration_line"
    __table_args__ = (
        CheckConstraint("declared_wage > 0", name="declaration_line_declared_wage_check"),
        {"schema": SCHEMA},
    )

    declaration_id: uuid.UUID = Field(primary_key=True, foreign_key=f"{SCHEMA}.declaration.id")
    citizen_id: str = Field(primary_key=True, max_length=18)
    name: str = text_column()
    declared_wage: Decimal = numeric()
    base: Decimal = numeric()
    clamp: str | None = text_or_none()


class DeclarationLog(SQLModel, table=True):
    """Who did what to a declaration, and why."""

    __tablename__ = "declaration_log"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = _serial()
    declaration_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.declaration.id")
    action: str = text_column()
    actor: str = text_column()
    note: str | None = text_or_none()
    at: datetime = now_column()


class Base(SQLModel, table=True):
    """A base in force for a person from a month of the year (approval or adjustment)."""

    __tablename__ = "base"
    __table_args__ = (
        CheckConstraint("from_month BETWEEN 1 AND 12", name="base_from_month_check"),
        CheckConstraint("base > 0", name="base_base_check"),
        Index("base_lookup", "year", "citizen_id", "from_month", "id"),
        {"schema": SCHEMA},
    )

    id: int | None = _serial()
    year: int
    citizen_id: str = Field(max_length=18)
    unit_id: uuid.UUID
    from_month: int
    base: Decimal = numeric()
    declared_wage: Decimal = numeric()
    clamp: str | None = text_or_none()
    source: str = text_column()
    declaration_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.declaration.id")
    reason: str | None = text_or_none()
    recorded_by: str = text_column()
    recorded_at: datetime = now_column()


class BaseAdjustment(SQLModel, table=True):
    """A change to an approved declaration's bases, in force once another user approves it."""

    __tablename__ = "base_adjustment"
    __table_args__ = (
        CheckConstraint("from_month BETWEEN 1 AND 12", name="base_adjustment_from_month_check"),
        CheckConstraint("declared_wage > 0", name="base_adjustment_declared_wage_check"),
        CheckConstraint("base > 0", name="base_adjustment_base_check"),
        CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected')",
            name="base_adjustment_status_check",
        ),
        CheckConstraint(
            "decided_by IS NULL OR decided_by <> submitted_by", name="base_adjustment_check"
        ),
        Index("base_adjustment_declaration", "declaration_id"),
        Index(
            "base_adjustment_open",
            "submitted_at",
            postgresql_where=text("status = 'submitted'"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    declaration_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.declaration.id")
    citizen_id: str = Field(max_length=18)
    name: str = text_column()
    from_month: int
    declared_wage: Decimal = numeric()
    base: Decimal = numeric()
    clamp: str | None = text_or_none()
    reason: str = text_column()
    status: str = text_column()
    submitted_by: str = text_column()
    submitted_at: datetime = now_column()
    decided_by: str | None = text_or_none()
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = text_or_none()
    base_id: int | None = Field(default=None, foreign_key=f"{SCHEMA}.base.id", sa_type=BigInteger)


class Plan(SQLModel, table=True):
    """A unit's collection plan for a month: seq 0 is regular, later ones supplementary."""

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint("paid_total <= total", name="plan_check"),
        UniqueConstraint("unit_id", "period", "seq", name="plan_unit_id_period_seq_key"),
        Index("plan_open", "unit_id", "period", "seq", postgresql_where=text("settled_on IS NULL")),
        Index("plan_period", "period"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(primary_key=True)
    unit_id: uuid.UUID
    period: date
    seq: int
    due_on: date
    person_count: int
    basic_unit: Decimal = zero()
    basic_individual: Decimal = zero()
    annuity_unit: Decimal = zero()
    annuity_individual: Decimal = zero()
    annuity_unit_notional: Decimal = zero()
    total: Decimal = numeric(16, 2)
    paid_basic_unit: Decimal = zero()
    paid_basic_individual: Decimal = zero()
    paid_annuity_unit: Decimal = zero()
    paid_annuity_individual: Decimal = zero()
    paid_total: Decimal = zero(16)
    late_fee_paid: Decimal = zero()
    settled_on: date | None = None
    funding_type: str = text_column()
    parameter_ids: list[int] = _parameter_ids()
    generated_by: str = text_column()
    generated_at: datetime = now_column()


class PlanLine(SQLModel, table=True):
    """One person's share of a plan: the base and the four contribution items."""

    __tablename__ = "plan_line"
    __table_args__ = {"schema": SCHEMA}

    plan_id: uuid.UUID = Field(primary_key=True)
    person_id: uuid.UUID = Field(primary_key=True)
    base: Decimal = numeric()
    basic_unit: Decimal = zero()
    basic_individual: Decimal = zero()
    annuity_unit: Decimal = zero()
    annuity_individual: Decimal = zero()
    annuity_unit_notional: Decimal = zero()


class Receipt(SQLModel, table=True):
    """Money received from a unit; what is not yet allocated is the unit's credit."""

    __tablename__ = "receipt"
    __table_args__ = (
        CheckConstraint("amount > 0", name="receipt_amount_check"),
        CheckConstraint("unallocated >= 0", name="receipt_unallocated_check"),
        UniqueConstraint("bank_id", "reference", name="receipt_bank_id_reference_key"),
        Index("receipt_open", "unit_id", postgresql_where=text("unallocated > 0")),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID
    amount: Decimal = numeric()
    received_on: date
    source: str = text_column()
    bank_id: str | None = text_or_none()
    reference: str | None = text_or_none()
    note: str | None = text_or_none()
    unallocated: Decimal = numeric()
    recorded_by: str = text_column()
    recorded_at: datetime = now_column()


class Allocation(SQLModel, table=True):
    """Part of a receipt applied to a plan's items and late fee (the order is in domain/)."""

    __tablename__ = "allocation"
    __table_args__ = (
        CheckConstraint("principal >= 0", name="allocation_principal_check"),
        CheckConstraint("late_fee >= 0", name="allocation_late_fee_check"),
        Index("allocation_plan", "plan_id"),
        Index("allocation_receipt", "receipt_id"),
        {"schema": SCHEMA},
    )

    id: int | None = _serial()
    receipt_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.receipt.id")
    plan_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.plan.id")
    unit_id: uuid.UUID
    paid_on: date
    basic_unit: Decimal = zero()
    basic_individual: Decimal = zero()
    annuity_unit: Decimal = zero()
    annuity_individual: Decimal = zero()
    principal: Decimal = numeric()
    late_fee: Decimal = numeric()
    days_late: int
    late_fee_parameter_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = now_column()


class ReceiptReversal(SQLModel, table=True):
    """A receipt recorded in error, reversed whole once another user approves."""

    __tablename__ = "receipt_reversal"
    __table_args__ = (
        CheckConstraint("amount > 0", name="receipt_reversal_amount_check"),
        CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected')",
            name="receipt_reversal_status_check",
        ),
        CheckConstraint(
            "decided_by IS NULL OR decided_by <> submitted_by", name="receipt_reversal_check"
        ),
        Index(
            "receipt_reversal_once",
            "receipt_id",
            unique=True,
            postgresql_where=text("status <> 'rejected'"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    receipt_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.receipt.id")
    unit_id: uuid.UUID
    amount: Decimal = numeric()
    reason: str = text_column()
    status: str = text_column()
    submitted_by: str = text_column()
    submitted_at: datetime = now_column()
    decided_by: str | None = text_or_none()
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = text_or_none()


class BankSuspense(SQLModel, table=True):
    """A bank's receipt line naming no unit on the roster (待查明款项), until resolved."""

    __tablename__ = "bank_suspense"
    __table_args__ = (
        UniqueConstraint("bank_id", "reference", name="bank_suspense_bank_id_reference_key"),
        CheckConstraint("amount > 0", name="bank_suspense_amount_check"),
        CheckConstraint("reason IN ('unit_unknown')", name="bank_suspense_reason_check"),
        CheckConstraint(
            "status IN ('open', 'submitted', 'matched', 'returned')",
            name="bank_suspense_status_check",
        ),
        CheckConstraint(
            "action IS NULL OR action IN ('match', 'return')", name="bank_suspense_action_check"
        ),
        CheckConstraint(
            "action <> 'match' OR unit_id IS NOT NULL", name="bank_suspense_match_check"
        ),
        CheckConstraint(
            "decided_by IS NULL OR decided_by <> submitted_by",
            name="bank_suspense_decided_by_check",
        ),
        Index(
            "bank_suspense_pending",
            "posted_at",
            postgresql_where=text("status IN ('open', 'submitted')"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    bank_id: str = text_column()
    reference: str = text_column()
    unit_credit_code: str = text_column()
    amount: Decimal = numeric()
    received_on: date
    reason: str = text_column()
    status: str = text_column()
    posted_at: datetime = now_column()
    action: str | None = text_or_none()
    unit_id: uuid.UUID | None = None
    note: str | None = text_or_none()
    submitted_by: str | None = text_or_none()
    submitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decided_by: str | None = text_or_none()
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = text_or_none()
    receipt_id: uuid.UUID | None = Field(default=None, foreign_key=f"{SCHEMA}.receipt.id")


class Audit(SQLModel, table=True):
    """An audit (稽核) of one unit's year."""

    __tablename__ = "audit"
    __table_args__ = (
        Index(
            "audit_yearly_once",
            "unit_id",
            "year",
            unique=True,
            postgresql_where=text("kind = 'yearly'"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID
    year: int
    kind: str = text_column()
    opened_by: str = text_column()
    opened_at: datetime = now_column()
    as_of: date


class AuditFinding(SQLModel, table=True):
    """One finding of an audit, followed up to a resolution."""

    __tablename__ = "audit_finding"
    __table_args__ = (Index("audit_finding_audit", "audit_id"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    audit_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.audit.id")
    kind: str = text_column()
    citizen_id: str | None = Field(default=None, max_length=18)
    name: str | None = text_or_none()
    period: date | None = None
    amount: Decimal | None = numeric(nullable=True)
    detail: str = text_column()
    status: str = Field(default="open", sa_type=Text, sa_column_kwargs={"server_default": "open"})
    resolution_note: str | None = text_or_none()
    resolved_by: str | None = text_or_none()
    resolved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class RosterStatusChange(SQLModel, table=True):
    """A status change received from enrollment (增减变动)."""

    __tablename__ = "roster_status_change"
    __table_args__ = (Index("roster_status_change_person", "person_id"), {"schema": SCHEMA})

    event_id: uuid.UUID = Field(primary_key=True)
    person_id: uuid.UUID
    unit_id: uuid.UUID
    change_type: str = text_column()
    status_after: str = text_column()
    effective_on: date
    recorded_at: datetime = now_column()


class Liability(SQLModel, table=True):
    """An interval [start_on, end_on) in which a person owes contributions through a unit."""

    __tablename__ = "liability"
    __table_args__ = (Index("liability_unit", "unit_id"), {"schema": SCHEMA})

    person_id: uuid.UUID = Field(primary_key=True)
    start_on: date = Field(primary_key=True)
    unit_id: uuid.UUID
    end_on: date | None = None


class ImportReport(SQLModel, table=True):
    """An import's row-by-row result (shared.http.import_reports), kept to read and download."""

    __tablename__ = "import_report"
    __table_args__ = (Index("import_report_subject_id", "subject_id"), {"schema": SCHEMA})

    id: uuid.UUID = Field(primary_key=True)
    kind: str = text_column()
    subject_id: uuid.UUID
    filename: str = text_column()
    header_row: int
    columns: list = Field(sa_column=Column(JSONB, nullable=False))
    fields: list = Field(sa_column=Column(JSONB, nullable=False))
    total_rows: int
    accepted: int
    unchanged: int
    failed: int
    rows: list = Field(sa_column=Column(JSONB, nullable=False))
    created_by: str = text_column()
    created_at: datetime = now_column()
