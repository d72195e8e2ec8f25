"""Payout tables, all in the payout schema (created by migrations/versions/0003)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, DateTime, Index, Numeric, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.payout.config import SCHEMA


def _now_column() -> Any:
    return Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


def _money(nullable: bool = False) -> Any:
    return Field(sa_column=Column(Numeric(14, 2), nullable=nullable))


class Parameter(SQLModel, table=True):
    """One dated version of a policy parameter; its value is a document checked by name."""

    __tablename__ = "parameter"
    __table_args__ = (
        Index("parameter_lookup", "name", "effective_from", "id"),
        {"schema": SCHEMA},
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    effective_from: date
    value: dict = Field(sa_column=Column(JSONB, nullable=False))
    note: str | None = None
    recorded_by: str
    recorded_at: datetime = _now_column()


class Retiree(SQLModel, table=True):
    """A retired person as payout knows them, from enrollment's person.retired."""

    __tablename__ = "retiree"
    __table_args__ = (UniqueConstraint("citizen_id", name="retiree_citizen_id"), {"schema": SCHEMA})

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
    created_at: datetime = _now_column()


class Determination(SQLModel, table=True):
    """One benefit determination (待遇核定); corrections and 调待 are new rows, never edits."""

    __tablename__ = "determination"
    __table_args__ = (
        UniqueConstraint("person_id", "seq", name="determination_person_seq"),
        UniqueConstraint("source_event_id", name="determination_source_event"),
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
    basic_pension: Decimal = _money()
    account_pension: Decimal = _money()
    transitional_pension: Decimal = _money()
    total: Decimal = _money()
    comparison_adjustment: Decimal = _money()
    adjustments: Decimal = _money()
    monthly_amount: Decimal = _money()
    annuity_monthly: Decimal = _money()
    comparison: dict | None = Field(default=None, sa_column=Column(JSONB))
    supersedes: uuid.UUID | None = None
    reason: str | None = None
    source_event_id: uuid.UUID | None = None
    created_by: str
    created_at: datetime = _now_column()
    checked_by: str | None = None
    checked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    approved_by: str | None = None
    approved_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
