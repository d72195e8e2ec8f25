"""Budget tables, all in the budget schema: department-years, their lines, projects, codes."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from services.budget.config import SCHEMA
from shared.data.columns import now_column, numeric


def _json() -> Any:
    return Field(sa_column=Column(JSONB, nullable=False))


class ClassificationCode(SQLModel, table=True):
    """One code of the government classification (功能分类 类/款/项, 经济分类 类/款)."""

    __tablename__ = "classification_code"
    __table_args__ = {"schema": SCHEMA}

    scheme: str = Field(primary_key=True)  # functional | economic
    code: str = Field(primary_key=True)
    name: str
    level: int  # 1 类, 2 款, 3 项


class Department(SQLModel, table=True):
    """A budget department (预算部门) of a county."""

    __tablename__ = "department"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(unique=True)
    name: str
    county: str
    created_at: datetime = now_column()


class DepartmentYear(SQLModel, table=True):
    """One imported version of a department's final accounts for a year; the newest counts."""

    __tablename__ = "department_year"
    __table_args__ = (
        UniqueConstraint("department_id", "year", "version", name="department_year_version"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    department_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.department.id")
    year: int
    version: int
    stated_unit: str  # the unit the figures were stated in: 元 or 万元
    profile: dict = _json()  # 部门概况: functions, highlights, institution, staffing text
    quantities: dict = _json()  # counts: staff, vehicles, groups abroad, receptions...
    evaluation: dict = _json()  # 部门整体支出绩效自评
    statements: list = _json()  # figures as the narrative states them (checked, never summed)
    breakdowns: list = _json()  # sums the narrative states: a total and its parts
    imported_by: str
    request_id: str | None = None
    imported_at: datetime = now_column()


class AmountLine(SQLModel, table=True):
    """One line of a part (income, expenditure, functional, economic...) with budget/actual."""

    __tablename__ = "amount_line"
    __table_args__ = {"schema": SCHEMA}

    year_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.department_year.id", primary_key=True)
    part: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    ordinal: int
    budget: Decimal | None = numeric(16, 2, nullable=True)
    actual: Decimal = numeric(16, 2)


class Project(SQLModel, table=True):
    """A project (项目支出) with its money and its self-evaluation."""

    __tablename__ = "project"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    year_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.department_year.id", index=True)
    ordinal: int
    name: str
    funding_source: str
    declared: Decimal = numeric(16, 2)
    approved: Decimal = numeric(16, 2)
    budget: Decimal = numeric(16, 2)
    executed: Decimal = numeric(16, 2)
    budget_fiscal: Decimal = numeric(16, 2)
    budget_other: Decimal = numeric(16, 2)
    executed_fiscal: Decimal = numeric(16, 2)
    executed_other: Decimal = numeric(16, 2)
    score: Decimal | None = Field(default=None, sa_column=Column(Numeric(5, 2), nullable=True))
    texts: dict = _json()  # goals, summary, problems, measures, the evaluation report


class Indicator(SQLModel, table=True):
    """A three-level performance indicator (一级/二级/三级) with expected and actual values."""

    __tablename__ = "indicator"
    __table_args__ = {"schema": SCHEMA}

    project_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.project.id", primary_key=True)
    ordinal: int = Field(primary_key=True)
    level1: str
    level2: str
    level3: str
    expected: str
    actual: str | None = None


class ActualSpending(SQLModel, table=True):
    """What payout paid for a program and period (highest revision kept)."""

    __tablename__ = "actual_spending"
    __table_args__ = {"schema": SCHEMA}

    program: str = Field(primary_key=True)
    period: str = Field(primary_key=True)
    year: int = Field(index=True)
    revision: int
    functional_code: str
    economic_code: str
    paid_amount: Decimal = numeric(16, 2)
    paid_count: int
    failed_amount: Decimal = numeric(16, 2)
    recovered_amount: Decimal = numeric(16, 2)
    settled_on: date
    source_event_id: uuid.UUID
    updated_at: datetime = now_column()
