"""Who owes contributions when: intervals of liability built from a person's status history.

A person is liable through a unit from the day they join or resume (or arrive by transfer)
until the day a suspension, transfer out, retirement, death or withdrawal takes effect. A
month is owed when an interval covers any day of it, so a death on 15 June still owes June,
while a retirement effective 1 June owes May but not June.
"""

import uuid
from dataclasses import dataclass
from datetime import date

STARTS = frozenset({"transfer_in", "resumption"})
ENDS = frozenset({"suspension", "transfer_out", "retirement", "death", "withdrawal"})


@dataclass(frozen=True)
class Change:
    """A status change as the roster received it."""

    effective_on: date
    change_type: str
    unit_id: uuid.UUID


@dataclass(frozen=True)
class Interval:
    """Liable through unit_id from start_on, until end_on (exclusive; None = still liable)."""

    unit_id: uuid.UUID
    start_on: date
    end_on: date | None


def liability_intervals(
    joined_on: date, unit_id: uuid.UUID, changes: list[Change]
) -> list[Interval]:
    """The person's intervals given their current unit; on the same day an ending is applied
    before a new start."""
    intervals: list[Interval] = []
    open_since: date | None = joined_on
    open_unit = unit_id
    ordered = sorted(changes, key=lambda c: (c.effective_on, c.change_type in STARTS))
    for change in ordered:
        if change.change_type in ENDS and open_since is not None:
            # The change names the unit the person was under when it ended.
            if change.effective_on > open_since:
                intervals.append(Interval(change.unit_id, open_since, change.effective_on))
            open_since = None
        elif change.change_type in STARTS and open_since is None:
            open_since, open_unit = change.effective_on, change.unit_id
    if open_since is not None:
        intervals.append(Interval(open_unit, open_since, None))
    return intervals


def liable_in(intervals: list[Interval], first_day: date, last_day: date) -> bool:
    """Whether any interval covers a day of [first_day, last_day]."""
    return any(
        i.start_on <= last_day and (i.end_on is None or i.end_on > first_day) for i in intervals
    )
