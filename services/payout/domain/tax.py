"""Individual income tax (个人所得税) withheld on the occupational annuity.

Rule (财税〔2018〕164号, DOMAIN.md; docs/payout.md "Income tax on the annuity"):
- The annuity is taxed alone, in full, when paid; the basic pension, the funeral grant, the
  抚恤金 and the basic account balance are tax free.
- A monthly payment is taxed with the monthly table (按月换算后的综合所得税率表); a lump sum
  to heirs or on settling abroad with the yearly table (综合所得税率表); any other lump sum
  of the annuity account with the monthly table.
- Tax = taxable × rate − quick deduction of the bracket the taxable amount falls in, rounded
  to the fen (ROUND_HALF_UP), never below zero. Net = gross − tax, to the fen.
- An amount added later to what was already taxed as one income (back pay for a month, an
  addition to the heirs' lump sum) bears the tax of the whole less the tax already withheld:
  tax(before + addition) − tax before, never below zero. The whole then bears exactly the
  table's tax of its total.

The tables are the dated parameter `annuity_income_tax`. A table's quick deductions must be
those its brackets imply (`implied_quick_deductions`): then the tax is the largest of
taxable × rate − deduction over all brackets, a continuous, non-decreasing function of the
taxable amount (what the payroll's SQL computes, `max_sql`).

Worked examples (the default tables):
- monthly annuity 2,800.00: 2,800.00 × 3% = 84.00 tax, 2,716.00 net;
- monthly annuity 4,000.00: 4,000.00 × 10% − 210 = 190.00 tax, 3,810.00 net;
- back pay of 500.00 for that month: tax(4,500.00) − 190.00 = 240.00 − 190.00 = 50.00;
- annuity balance 150,000.00 left to the heirs: 150,000.00 × 20% − 16,920 = 13,080.00.
"""

from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from shared.data.money import round_fen

ZERO = Decimal("0.00")

MONTHLY = "monthly"
YEARLY = "yearly"
# Why a lump sum of the annuity account is paid, and the table it is taxed with.
LUMP_SUM_TABLE = {"death": YEARLY, "settled_abroad": YEARLY}


@dataclass(frozen=True)
class Bracket:
    """Taxable amounts up to `up_to` (None: no limit) at `rate`, less `quick_deduction`."""

    up_to: Decimal | None
    rate: Decimal
    quick_deduction: Decimal


@dataclass(frozen=True)
class TaxTable:
    """A progressive rate table, brackets in ascending order, the last one open."""

    brackets: tuple[Bracket, ...]

    def tax(self, taxable: Decimal) -> Decimal:
        """The tax on a taxable amount, rounded to the fen, never negative."""
        if taxable <= 0:
            return ZERO
        bracket = next(b for b in self.brackets if b.up_to is None or taxable <= b.up_to)
        return max(ZERO, round_fen(taxable * bracket.rate - bracket.quick_deduction))


def implied_quick_deductions(brackets: list[tuple[Decimal | None, Decimal]]) -> list[Decimal]:
    """The quick deductions that make (up_to, rate) brackets a continuous progressive tax:
    each is the previous one plus the previous limit times the rise in rate."""
    out = [ZERO]
    for (limit, rate), (_, next_rate) in pairwise(brackets):
        assert limit is not None  # only the last bracket is open
        out.append(out[-1] + limit * (next_rate - rate))
    return out


def lump_sum_table(reason: str) -> str:
    """The table of a lump sum of the annuity account paid for this reason."""
    return LUMP_SUM_TABLE.get(reason, MONTHLY)


@dataclass(frozen=True)
class Withholding:
    """A payment's gross, the part of it that is taxable, and the tax withheld."""

    gross: Decimal
    taxable: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        """What the bank pays: gross less the tax withheld."""
        return self.gross - self.tax


def tax_of_addition(
    table: TaxTable, taxed_before: Decimal, tax_before: Decimal, addition: Decimal
) -> Decimal:
    """The tax on an amount added to one income already taxed (`taxed_before`, bearing
    `tax_before`): the tax of the whole less the tax withheld before, never below zero and
    never more than the addition."""
    if addition <= 0:
        return ZERO
    owed = table.tax(taxed_before + addition) - tax_before
    return min(addition, max(ZERO, owed))


def withhold(
    table: TaxTable,
    gross: Decimal,
    taxable: Decimal,
    before: tuple[Decimal, Decimal] = (ZERO, ZERO),
) -> Withholding:
    """Withhold the tax on the taxable part of a payment (the rest of it is tax free),
    added to `before` = (taxable amount, tax) of the same income already paid."""
    tax = tax_of_addition(table, before[0], before[1], taxable)
    return Withholding(gross=gross, taxable=taxable, tax=tax)


def taxes_of_additions(
    table: TaxTable, before: tuple[Decimal, Decimal], additions: list[Decimal]
) -> list[Decimal]:
    """The tax on each of several amounts added in turn to one income taxed `before`."""
    taxed, withheld, out = before[0], before[1], []
    for amount in additions:
        tax = tax_of_addition(table, taxed, withheld, amount)
        taxed, withheld = taxed + amount, withheld + tax
        out.append(tax)
    return out


def tax_given_back(
    table: TaxTable, month_gross: Decimal, month_tax: Decimal, recovered: Decimal
) -> Decimal:
    """The tax to give back when `recovered` of a month's annuity is recovered: what the
    month bore (`month_tax` on `month_gross`, less what earlier recoveries gave back) less
    the tax of what the month keeps, never below zero nor above what it bore."""
    kept = max(ZERO, month_gross - recovered)
    return min(month_tax, max(ZERO, month_tax - table.tax(kept)))


def max_sql(table: TaxTable, amount: str, prefix: str) -> tuple[str, dict[str, Decimal]]:
    """The same tax in SQL over an amount expression, with its bind parameters: the largest
    of round(amount × rate − deduction) over the brackets, and 0 (valid for a table whose
    quick deductions are the implied ones, which the parameter's schema checks)."""
    terms, params = ["0"], {}
    for i, b in enumerate(table.brackets):
        rate, deduction = f"{prefix}_r{i}", f"{prefix}_q{i}"
        terms.append(
            f"round({amount} * CAST(:{rate} AS numeric) - CAST(:{deduction} AS numeric), 2)"
        )
        params[rate], params[deduction] = b.rate, b.quick_deduction
    return f"greatest({', '.join(terms)})", params
