"""Column helpers for the services' models.py: the column shapes every migration tree uses."""

from decimal import Decimal
from typing import Any

from sqlalchemy import Column, DateTime, Numeric, Text, func, text
from sqlmodel import Field


def now_column() -> Any:
    """A timestamptz column the database fills with now()."""
    return Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


def numeric(precision: int = 14, scale: int = 2, nullable: bool = False) -> Any:
    """An exact numeric column (money is numeric(14, 2)); a nullable one defaults to None."""
    column = Column(Numeric(precision, scale), nullable=nullable)
    return Field(default=None, sa_column=column) if nullable else Field(sa_column=column)


def zero(precision: int = 14, scale: int = 2) -> Any:
    """An amount that is zero unless set, in the database's default as in the model's."""
    return Field(
        default=Decimal("0"),
        sa_column=Column(Numeric(precision, scale), nullable=False, server_default=text("0")),
    )


def text_column() -> Any:
    """A text column."""
    return Field(sa_type=Text)


def text_or_none() -> Any:
    """A nullable text column."""
    return Field(default=None, sa_type=Text)
