"""What an import does with each valid row, given who is already enrolled (pure)."""

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Row:
    """A valid row of the file."""

    number: int
    citizen_id: str
    name: str
    joined_on: date


@dataclass(frozen=True)
class Enrolled:
    """A person already enrolled with the same citizen id."""

    unit_id: uuid.UUID
    name: str
    joined_on: date
    status: str


@dataclass(frozen=True)
class Outcome:
    """A row's fate: `new` rows are written, the others reported (with a message if failed)."""

    row: Row
    status: str  # new | unchanged | failed
    field: str | None = None
    message: str | None = None


def classify(rows: list[Row], enrolled: dict[str, Enrolled], unit_id: uuid.UUID) -> list[Outcome]:
    """New, unchanged (imported before, same unit, name and date) or failed, row by row.

    A citizen id twice in the file fails on the later rows; a person insured elsewhere (or
    differently) fails with where they are insured.
    """
    first: dict[str, int] = {}
    outcomes = []
    for row in rows:
        if row.citizen_id in first:
            outcomes.append(
                Outcome(
                    row, "failed", "citizen_id", f"also on row {first[row.citizen_id]} of this file"
                )
            )
            continue
        first[row.citizen_id] = row.number
        person = enrolled.get(row.citizen_id)
        if person is None:
            outcomes.append(Outcome(row, "new"))
        elif (person.unit_id, person.name, person.joined_on) == (unit_id, row.name, row.joined_on):
            outcomes.append(Outcome(row, "unchanged"))
        else:
            outcomes.append(
                Outcome(
                    row,
                    "failed",
                    "citizen_id",
                    f"already insured ({person.status}) under unit {person.unit_id} "
                    f"since {person.joined_on}",
                )
            )
    return outcomes
