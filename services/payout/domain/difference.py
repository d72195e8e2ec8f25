"""The recalculation difference: what a month already paid still owes, or owes back.

For each (month, program) already paid, the difference is the amount due under the
determination now in force less what is settled so far (the payments and the differences
already recorded). A positive difference is back pay (补发), a negative one a recovery (追回);
a zero one is no record at all. Recording them makes settled equal due again, so the sum
for every month equals the determination in force after every correction.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")

Key = tuple[date, str]


@dataclass(frozen=True)
class Difference:
    """One month and program whose settled amount differs from the amount due."""

    month: date
    program: str
    settled: Decimal
    due: Decimal

    @property
    def amount(self) -> Decimal:
        """Due less settled: positive is back pay, negative is a recovery."""
        return self.due - self.settled

    @property
    def kind(self) -> str:
        """back_pay or recovery."""
        return "back_pay" if self.amount > 0 else "recovery"


def differences(due: Mapping[Key, Decimal], settled: Mapping[Key, Decimal]) -> list[Difference]:
    """Every (month, program) where settled and due differ, in month then program order."""
    keys = sorted(set(due) | set(settled))
    found = (Difference(m, p, settled.get((m, p), ZERO), due.get((m, p), ZERO)) for m, p in keys)
    return [d for d in found if d.amount != 0]
