"""Bank results per line, and when a batch is reconciled (回盘对账).

Rules (documented in docs/banks.md):
- A line is sent, then the bank reports it paid or failed (with a reason code). A result
  for a line that already has the same result changes nothing (a bank may post again);
  a different result for a final line is a conflict and is refused.
- A failed line whose payee account was corrected is re-issued in a later run's batch: it
  becomes `reissued` and its replacement is a new line.
- A batch's lines add up: total = paid + failed + reissued + outstanding (sent).
- A batch is reconciled when no line is outstanding and the bank has reported control
  totals equal to ours (paid and failed, count and amount): without the bank's own figures
  there is nothing to reconcile with.
"""

from dataclasses import dataclass
from decimal import Decimal

# The reasons a bank may give for a failed line (labels: code table failure_reason).
REASONS = (
    "account_closed",
    "account_not_found",
    "name_mismatch",
    "account_frozen",
    "account_dormant",
    "other",
)


def classify(current: str, current_reason: str | None, outcome: str, reason: str | None) -> str:
    """ "new" (record it), "same" (already recorded) or "conflict" for a posted result."""
    if current == "sent":
        return "new"
    was = "failed" if current == "reissued" else current
    if was == outcome and (outcome == "paid" or current_reason == reason):
        return "same"
    return "conflict"


@dataclass(frozen=True)
class Tally:
    """Count and amount of lines in one state."""

    count: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class BankTotals:
    """What the bank reported for the batch."""

    paid: Tally
    failed: Tally


@dataclass(frozen=True)
class Reconciliation:
    """A batch's lines by state and whether it is reconciled."""

    paid: Tally
    failed: Tally
    reissued: Tally
    outstanding: Tally
    bank: BankTotals | None

    @property
    def total(self) -> Tally:
        """Every line of the batch."""
        parts = (self.paid, self.failed, self.reissued, self.outstanding)
        return Tally(sum(p.count for p in parts), sum((p.amount for p in parts), Decimal("0.00")))

    @property
    def bank_agrees(self) -> bool | None:
        """Whether the bank's totals equal ours (None until the bank reports them)."""
        if self.bank is None:
            return None
        failed = Tally(
            self.failed.count + self.reissued.count, self.failed.amount + self.reissued.amount
        )
        return self.bank.paid == self.paid and self.bank.failed == failed

    @property
    def reconciled(self) -> bool:
        """Every line final, and the bank's reported totals agree with ours."""
        return self.outstanding.count == 0 and self.bank_agrees is True


def reconcile(by_status: dict[str, Tally], bank: BankTotals | None) -> Reconciliation:
    """The reconciliation from the lines' tallies by status."""
    empty = Tally()
    return Reconciliation(
        paid=by_status.get("paid", empty),
        failed=by_status.get("failed", empty),
        reissued=by_status.get("reissued", empty),
        outstanding=by_status.get("sent", empty),
        bank=bank,
    )
