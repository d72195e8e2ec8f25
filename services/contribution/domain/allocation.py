"""Allocating receipts to plans: oldest plan first, late fee to the payment date.

Rules (documented in docs/contribution.md):
- Receipts are used oldest first; plans are paid oldest period first, regular before
  supplementary.
- A payment made after a plan's due date carries the late fee on the principal it pays:
  principal x daily rate x days late, rounded half up to the fen. When the money does not
  cover principal plus fee, the largest principal whose fee still fits is paid.
- Within a plan, principal goes to the items in PRIORITY order: what was withheld from
  staff first (it is their money), then the unit's shares.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from shared.data.money import FEN, round_fen

PRIORITY = ("basic_individual", "annuity_individual", "basic_unit", "annuity_unit")
ZERO = Decimal("0.00")


@dataclass
class OpenPlan:
    """A plan with money still due, item by item."""

    id: uuid.UUID
    due_on: date
    outstanding: dict[str, Decimal]

    @property
    def total_outstanding(self) -> Decimal:
        """Principal still due."""
        return sum(self.outstanding.values(), ZERO)


@dataclass
class Funds:
    """A receipt's money not yet allocated."""

    id: uuid.UUID
    received_on: date
    available: Decimal


@dataclass(frozen=True)
class Allocation:
    """Part of a receipt paying part of a plan."""

    receipt_id: uuid.UUID
    plan_id: uuid.UUID
    paid_on: date
    items: dict[str, Decimal] = field(default_factory=dict)
    late_fee: Decimal = ZERO
    days_late: int = 0

    @property
    def principal(self) -> Decimal:
        """What the allocation pays of the plan itself."""
        return sum(self.items.values(), ZERO)


def late_fee(principal: Decimal, daily_rate: Decimal, days: int) -> Decimal:
    """The late fee on a principal paid `days` after it was due."""
    return round_fen(principal * daily_rate * days) if days > 0 else ZERO


def _payable(available: Decimal, outstanding: Decimal, daily_rate: Decimal, days: int) -> Decimal:
    """The largest principal (up to outstanding) such that principal + fee fits in available."""
    if outstanding + late_fee(outstanding, daily_rate, days) <= available:
        return outstanding
    principal = (available / (1 + daily_rate * days)).quantize(FEN, rounding=ROUND_DOWN)
    # The division is a first guess; the fee's own rounding decides the last fen either way.
    while principal > ZERO and principal + late_fee(principal, daily_rate, days) > available:
        principal -= FEN
    while principal + FEN < outstanding and fits(principal + FEN, available, daily_rate, days):
        principal += FEN
    return min(principal, outstanding)


def fits(principal: Decimal, available: Decimal, daily_rate: Decimal, days: int) -> bool:
    """Whether the money covers this principal and its late fee."""
    return principal + late_fee(principal, daily_rate, days) <= available


def _split(principal: Decimal, outstanding: dict[str, Decimal]) -> dict[str, Decimal]:
    items, left = {}, principal
    for item in PRIORITY:
        share = min(left, outstanding.get(item, ZERO))
        if share > ZERO:
            items[item] = share
            left -= share
    return items


def allocate(funds: list[Funds], plans: list[OpenPlan], daily_rate: Decimal) -> list[Allocation]:
    """Allocate the funds to the plans (both given oldest first); mutates what is left."""
    allocations: list[Allocation] = []
    receipts = iter(funds)
    current = next(receipts, None)
    for plan in plans:
        while current is not None and plan.total_outstanding > ZERO:
            days = max(0, (current.received_on - plan.due_on).days)
            principal = _payable(current.available, plan.total_outstanding, daily_rate, days)
            if principal <= ZERO:  # what is left of this receipt pays nothing here
                current = next(receipts, None)
                continue
            items = _split(principal, plan.outstanding)
            fee = late_fee(principal, daily_rate, days)
            allocations.append(
                Allocation(current.id, plan.id, current.received_on, items, fee, days)
            )
            for item, share in items.items():
                plan.outstanding[item] -= share
            current.available -= principal + fee
            if current.available <= ZERO:
                current = next(receipts, None)
        if current is None:
            break
    return allocations
