"""Payroll periods: months as their first day, "YYYY-MM" on the wire."""

import re
from datetime import date

# Years 1900-2199: the wire pattern the routes declare; year 0 is no date at all.
PERIOD = re.compile(r"^((?:19|20|21)\d{2})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> date:
    """ "2020-03" as 2020-03-01 (ValueError otherwise)."""
    match = PERIOD.match(text)
    if not match:
        raise ValueError("a period is a month written YYYY-MM")
    return date(int(match.group(1)), int(match.group(2)), 1)


def format_period(month: date) -> str:
    """2020-03-01 as "2020-03"."""
    return f"{month.year:04d}-{month.month:02d}"


def month_of(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The month n months later (n may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from first to last, both included (empty when last is earlier)."""
    out, month = [], month_of(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_quarter(text: str) -> date:
    """ "2020-Q2" as 2020-04-01, the quarter's first month (ValueError otherwise)."""
    match = QUARTER.match(text)
    if not match:
        raise ValueError("a quarter is written YYYY-Qn")
    return date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)


def format_quarter(month: date) -> str:
    """The quarter a month belongs to, as "2020-Q2"."""
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"
