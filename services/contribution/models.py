"""Contribution tables, all in the contribution schema."""

import uuid
from datetime import date, datetime

from sqlalchemy import Column, DateTime, func
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
