"""Dates a caller sends, bounded (issue #17 item 4): a filter or report date outside
1900-01-01..2199-12-31 is a 422 before any route runs, like months (years 1900-2199) and
pages (`shared.http.pagination`). Dates that drive a computation over years or months are
bounded more tightly by their own service (e.g. enrollment's closing horizon)."""

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def _plausible(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"a date between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


# `as_of: PlausibleDate | None = None` in a route's signature; the bounds are in the schema's
# description and in `x-earliest` / `x-latest`, which the worst-case test reads.
PlausibleDate = Annotated[
    date,
    AfterValidator(_plausible),
    Field(
        description=f"A date from {EARLIEST_DATE} to {LATEST_DATE}.",
        json_schema_extra={"x-earliest": str(EARLIEST_DATE), "x-latest": str(LATEST_DATE)},
    ),
]
