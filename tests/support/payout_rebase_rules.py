"""A rebase base and monthly amounts for payout's unit tests."""

from datetime import date
from decimal import Decimal

from services.payout.domain.determination import DeterminationInputs, derive
from services.payout.parameters.defaults import MONTHS_DIVISOR
from tests.support.payout_benefit_rules import RULE

D = Decimal
BASE = DeterminationInputs(
    date(2025, 3, 15), 65 * 12, 300, 120, D("1.1000"), D("1.1000"), D("101000.00"),
    D("50500.00"), D("5946.00"), D("0.012"),
)  # fmt: skip


def monthly(inputs: DeterminationInputs) -> Decimal:
    return derive(inputs, MONTHS_DIVISOR, RULE).monthly_amount
