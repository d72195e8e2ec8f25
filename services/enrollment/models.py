"""Enrollment tables, all in the enrollment schema."""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, DateTime, Identity, func
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
    effective_on: date
    reason: str
    recorded_by: str
    recorded_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
