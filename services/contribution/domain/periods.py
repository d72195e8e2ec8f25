"""Contribution periods: a month, written 'YYYY-MM' in the API and stored as its first day."""

import calendar
from datetime import date


def parse_period(text: str) -> date:
    """'2020-03' -> date(2020, 3, 1); ValueError for anything else."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise ValueError("a month is written YYYY-MM") from exc


def format_period(period: date) -> str:
    """date(2020, 3, 1) -> '2020-03'."""
    return f"{period.year:04d}-{period.month:02d}"


def month_end(period: date) -> date:
    """The last day of the period's month."""
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def due_date(period: date, due_day: int) -> date:
    """The day a month's contributions are due: its due day, or its last day if shorter."""
    return period.replace(day=min(due_day, month_end(period).day))


def add_months(period: date, months: int) -> date:
    """The first day of the month `months` after the period's."""
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def outside(value: date, earliest: date, latest: date) -> str | None:
    """Why a date is implausible for the system (before it began, or too far ahead), if it is."""
    if value < earliest:
        return f"{value} is before {earliest}, when the system's records begin"
    if value > latest:
        return f"{value} is after {latest}, the latest date accepted today"
    return None
