"""What an import does with each valid row, given who is already enrolled (pure)."""

import uuid
from dataclasses import dataclass
from dataclasses import field as default
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
    """A row's fate: `new` rows are written, the others reported (with a message key and its
    figures if failed)."""

    row: Row
    status: str  # new | unchanged | failed
    field: str | None = None
    message: str | None = None
    params: dict[str, object] = default(default_factory=dict)


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
                    row,
                    "failed",
                    "citizen_id",
                    "import_duplicate_row",
                    {"first_row": first[row.citizen_id]},
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
                    "import_already_insured",
                    {
                        "unit_id": person.unit_id,
                        "person_name": person.name,
                        "joined_on": person.joined_on.isoformat(),
                    },
                )
            )
    return outcomes
