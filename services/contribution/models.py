"""Contribution tables, all in the contribution schema."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from services.contribution.config import SCHEMA


class RosterUnit(SQLModel, table=True):
    """An employer unit as contribution knows it (from enrollment events)."""

    __tablename__ = "roster_unit"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str
    funding_type: str
    registered_on: date
    status: str = "open"
    closed_on: date | None = None
    source_event_id: uuid.UUID
    updated_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class RosterPerson(SQLModel, table=True):
    """An insured person as contribution knows them (from enrollment events)."""

    __tablename__ = "roster_person"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(primary_key=True)
    citizen_id: str = Field(max_length=18, unique=True)
    name: str
    unit_id: uuid.UUID = Field(index=True)
    unit_credit_code: str
    staff_category: str
    joined_on: date
    status: str = "active"
    source_event_id: uuid.UUID
    updated_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


def _now_column() -> Any:
    return Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


class Parameter(SQLModel, table=True):
    """One dated version of a policy parameter; the latest version in force wins."""

    __tablename__ = "parameter"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, primary_key=True)
    name: str
    effective_from: date
    value: Decimal
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = _now_column()


class Declaration(SQLModel, table=True):
    """A unit's yearly base declaration (缴费基数申报) and where its review stands."""

    __tablename__ = "declaration"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID
    year: int
    status: str
    average_wage: Decimal
    floor: Decimal
    cap: Decimal
    parameter_ids: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))
    created_by: str
    created_at: datetime = _now_column()
    submitted_by: str | None = None
    submitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = None


class DeclarationLine(SQLModel, table=True):
    """One person's declared wage and the base it gives."""

    __tablename__ = "declaration_line"
    __table_args__ = {"schema": SCHEMA}

    declaration_id: uuid.UUID = Field(primary_key=True)
    citizen_id: str = Field(primary_key=True)
    name: str
    declared_wage: Decimal
    base: Decimal
    clamp: str | None = None


class DeclarationLog(SQLModel, table=True):
    """Who did what to a declaration, and why."""

    __tablename__ = "declaration_log"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, primary_key=True)
    declaration_id: uuid.UUID
    action: str
    actor: str
    note: str | None = None
    at: datetime = _now_column()


class Base(SQLModel, table=True):
    """A base in force for a person from a month of the year (approval or adjustment)."""

    __tablename__ = "base"
    __table_args__ = {"schema": SCHEMA}

    id: int | None = Field(default=None, primary_key=True)
    year: int
    citizen_id: str
    unit_id: uuid.UUID
    from_month: int
    base: Decimal
    declared_wage: Decimal
    clamp: str | None = None
    source: str
    declaration_id: uuid.UUID
    reason: str | None = None
    recorded_by: str
    recorded_at: datetime = _now_column()


class BaseAdjustment(SQLModel, table=True):
    """A change to an approved declaration's bases, in force once another user approves it."""

    __tablename__ = "base_adjustment"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    declaration_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.declaration.id")
    citizen_id: str = Field(max_length=18)
    name: str
    from_month: int
    declared_wage: Decimal
    base: Decimal
    clamp: str | None = None
    reason: str
    status: str
    submitted_by: str
    submitted_at: datetime = _now_column()
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = None
    base_id: int | None = Field(default=None, foreign_key=f"{SCHEMA}.base.id")


class Plan(SQLModel, table=True):
    """A unit's collection plan for a month: seq 0 is regular, later ones supplementary."""

    __tablename__ = "plan"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(primary_key=True)
    unit_id: uuid.UUID
    period: date
    seq: int
    due_on: date
    person_count: int
    basic_unit: Decimal
    basic_individual: Decimal
    annuity_unit: Decimal
    annuity_individual: Decimal
    annuity_unit_notional: Decimal
    total: Decimal
    paid_basic_unit: Decimal
    paid_basic_individual: Decimal
    paid_annuity_unit: Decimal
    paid_annuity_individual: Decimal
    paid_total: Decimal
    late_fee_paid: Decimal
    settled_on: date | None = None
    funding_type: str
    parameter_ids: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))
    generated_by: str
    generated_at: datetime = _now_column()


class Receipt(SQLModel, table=True):
    """Money received from a unit; what is not yet allocated is the unit's credit."""

    __tablename__ = "receipt"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID
    amount: Decimal
    received_on: date
    source: str
    bank_id: str | None = None
    reference: str | None = None
    note: str | None = None
    unallocated: Decimal
    recorded_by: str
    recorded_at: datetime = _now_column()


class ReceiptReversal(SQLModel, table=True):
    """A receipt recorded in error, reversed whole once another user approves."""

    __tablename__ = "receipt_reversal"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    receipt_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.receipt.id")
    unit_id: uuid.UUID
    amount: Decimal
    reason: str
    status: str
    submitted_by: str
    submitted_at: datetime = _now_column()
    decided_by: str | None = None
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decision_note: str | None = None


class Audit(SQLModel, table=True):
    """An audit (稽核) of one unit's year."""

    __tablename__ = "audit"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    unit_id: uuid.UUID
    year: int
    kind: str
    opened_by: str
    opened_at: datetime = _now_column()
    as_of: date


class AuditFinding(SQLModel, table=True):
    """One finding of an audit, followed up to a resolution."""

    __tablename__ = "audit_finding"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    audit_id: uuid.UUID
    kind: str
    citizen_id: str | None = None
    name: str | None = None
    period: date | None = None
    amount: Decimal | None = None
    detail: str
    status: str = "open"
    resolution_note: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class RosterStatusChange(SQLModel, table=True):
    """A status change received from enrollment (增减变动)."""

    __tablename__ = "roster_status_change"
    __table_args__ = {"schema": SCHEMA}

    event_id: uuid.UUID = Field(primary_key=True)
    person_id: uuid.UUID
    unit_id: uuid.UUID
    change_type: str
    status_after: str
    effective_on: date
    recorded_at: datetime = _now_column()


class Liability(SQLModel, table=True):
    """An interval [start_on, end_on) in which a person owes contributions through a unit."""

    __tablename__ = "liability"
    __table_args__ = {"schema": SCHEMA}

    person_id: uuid.UUID = Field(primary_key=True)
    start_on: date = Field(primary_key=True)
    unit_id: uuid.UUID
    end_on: date | None = None
