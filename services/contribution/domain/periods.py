"""Contribution periods: a month, written 'YYYY-MM' in the API and stored as its first day."""

import calendar
from datetime import date

from shared.http.errors import ProblemError


def parse_period(text: str, field: str = "period") -> date:
    """'2020-03' -> date(2020, 3, 1), or a 422 naming the field."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise ProblemError(
            422, "period_invalid", f"{field} must be a month written YYYY-MM.", field=field
        ) from exc


def format_period(period: date) -> str:
    """date(2020, 3, 1) -> '2020-03'."""
    return f"{period.year:04d}-{period.month:02d}"


def month_end(period: date) -> date:
    """The last day of the period's month."""
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def due_date(period: date, due_day: int) -> date:
    """The day a month's contributions are due: its due day, or its last day if shorter."""
    return period.replace(day=min(due_day, month_end(period).day))
