"""The agency's date: Beijing time, whatever zone the server's clock is set to."""

from datetime import date, datetime, timedelta, timezone

# The agency works on Beijing time (no daylight saving). A container's clock is usually UTC,
# whose date lags Beijing's from 16:00 to 24:00 UTC: "today" and "not in the future" must be
# the agency's, or a clerk's date of today is refused each evening (UTC) as in the future.
AGENCY_TZ = timezone(timedelta(hours=8))


def agency_today() -> date:
    """Today's date at the agency."""
    return datetime.now(AGENCY_TZ).date()
