"""Response model of recalculation differences."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from shared.data.money import Money


class DifferenceOut(BaseModel):
    """One month and program whose amount changed after it was paid."""

    id: uuid.UUID
    person_id: uuid.UUID
    determination_id: uuid.UUID
    program: str
    program_label: str = ""
    month: date
    settled: Money
    due: Money
    amount: Money
    kind: str
    kind_label: str = ""
    status: str
    status_label: str = ""
    created_by: str
    created_at: datetime
    one_off_id: uuid.UUID | None = None

    def labelled(self, tables: dict[str, dict[str, str]]) -> "DifferenceOut":
        """With the Chinese labels of its codes."""
        self.program_label = tables["program"].get(self.program, self.program)
        self.kind_label = tables["difference_kind"].get(self.kind, self.kind)
        self.status_label = tables["difference_status"].get(self.status, self.status)
        return self
