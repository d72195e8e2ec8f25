"""The agency's calendar rules: when a schedule's latest occurrence was due."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

# Occurrences are the agency's wall-clock times (Beijing, shared/data/clock.py).
from shared.data.clock import AGENCY_TZ


@dataclass(frozen=True)
class Rule:
    """daily at HH:MM; monthly on day N; quarterly on day N of Jan/Apr/Jul/Oct; yearly MM-DD."""

    rule: str
    day: int | None
    month: int | None
    at_time: str

    def _clock(self) -> time:
        hours, minutes = self.at_time.split(":")
        return time(int(hours), int(minutes), tzinfo=AGENCY_TZ)

    def _on(self, year: int, month: int) -> datetime:
        # Day 31 in a 30-day month is its last day, not a skipped month.
        last = calendar.monthrange(year, month)[1]
        return datetime.combine(date(year, month, min(self.day or 1, last)), self._clock())

    def latest(self, now: datetime) -> datetime:
        """The latest occurrence at or before `now` (only the latest missed one ever runs)."""
        local = now.astimezone(AGENCY_TZ)
        if self.rule == "daily":
            today = datetime.combine(local.date(), self._clock())
            return today if today <= local else today - timedelta(days=1)
        if self.rule == "yearly":
            this = _clamped(local.year, self.month or 1, self.day or 1, self._clock())
            return (
                this
                if this <= local
                else _clamped(local.year - 1, self.month or 1, self.day or 1, self._clock())
            )
        step = 3 if self.rule == "quarterly" else 1
        year, month = local.year, local.month - (local.month - 1) % step
        while True:
            candidate = self._on(year, month)
            if candidate <= local:
                return candidate
            month -= step
            if month < 1:
                year, month = year - 1, month + 12


def _clamped(year: int, month: int, day: int, clock: time) -> datetime:
    last = calendar.monthrange(year, month)[1]
    return datetime.combine(date(year, month, min(day, last)), clock)


def fill(template: dict[str, Any], occurrence: datetime) -> dict[str, Any]:
    """A job's params from the schedule's template: `${date}`, `${month}`, `${previous_month}`,
    `${quarter}`, `${year}` and `${previous_year}` are the occurrence's, on the agency's
    calendar."""
    day = occurrence.astimezone(AGENCY_TZ).date()
    first = day.replace(day=1)
    previous_month = first - timedelta(days=1)
    values = {
        "${date}": day.isoformat(),
        "${month}": f"{day.year:04d}-{day.month:02d}",
        "${previous_month}": f"{previous_month.year:04d}-{previous_month.month:02d}",
        "${quarter}": f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}",
        "${year}": day.year,
        "${previous_year}": day.year - 1,
    }
    return {k: values.get(v, v) if isinstance(v, str) else v for k, v in template.items()}
