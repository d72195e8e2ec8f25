"""Survival certification (资格认证): when it is due, when payment is suspended.

Rules (documented in docs/payout.md; period, grace and "due soon" are the dated parameter
`certification`):
- A retiree is due for certification `period_months` after the latest certification, or
  after the retirement date when never certified.
- Past the due date plus `grace_days`, the daily job suspends payment; a new certification
  resumes it, and the next payroll run pays the suspended months (back pay). Only the
  latest certification counts, and only one not itself past due plus grace today resumes.
- "Due soon" lists those whose due date falls within `due_soon_days` from today.
"""

from calendar import monthrange
from datetime import date, timedelta

# The ways a survival is certified (code table certification_method, labels in the catalogue);
# the province reports the last three (issue #20).
METHODS = (
    "home_visit",
    "festival_visit",
    "online",
    "data_match",
    "social_security_card",
    "medical_settlement",
)
PROVINCE_METHODS = ("data_match", "social_security_card", "medical_settlement")


def shift_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def due_on(base: date, period_months: int) -> date:
    """The date by which the next certification is due."""
    return shift_months(base, period_months)


def suspend_before(as_of: date, period_months: int, grace_days: int) -> date:
    """Retirees whose base date (last certification or retirement) is before this are past
    due plus grace on `as_of` and are suspended."""
    return shift_months(as_of - timedelta(days=grace_days), -period_months)


def is_past_grace(base: date, as_of: date, period_months: int, grace_days: int) -> bool:
    """True when payment must be suspended on `as_of`."""
    return due_on(base, period_months) + timedelta(days=grace_days) < as_of


def is_latest(last_certified_on: date | None, certified_on: date) -> bool:
    """Whether a certification is the retiree's latest (an older one is history only)."""
    return last_certified_on is None or certified_on >= last_certified_on


def resumes(
    status: str,
    last_certified_on: date | None,
    certified_on: date,
    today: date,
    period_months: int,
    grace_days: int,
) -> bool:
    """Whether recording this certification resumes a suspended retiree's payment."""
    return (
        status == "suspended"
        and is_latest(last_certified_on, certified_on)
        and not is_past_grace(certified_on, today, period_months, grace_days)
    )
