"""The figures of the report: every row with its share of the total and change on the prior year.

Amounts are shown in 万元 with two places (half up), as the published reports show them.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.budget.domain import labels
from services.budget.domain.document import UNITS, YearDocument
from services.budget.domain.figures import Figure, figure, line_label

WAN = Decimal(10000)


@dataclass(frozen=True)
class Row:
    """One row of a report table."""

    label: str
    amount: Decimal | None  # 万元, exact
    prior: Decimal | None = None
    whole: Decimal | None = None
    budget: Decimal | None = None
    code: str = ""

    @property
    def share(self) -> Decimal | None:
        """Percent of the whole, or None when the whole is zero or unknown."""
        if self.amount is None or not self.whole:
            return None
        return 100 * self.amount / self.whole

    @property
    def change(self) -> Decimal | None:
        """Change on the prior year in 万元."""
        return None if self.amount is None or self.prior is None else self.amount - self.prior

    @property
    def growth(self) -> Decimal | None:
        """Change in percent of the prior year; None from a zero base."""
        if self.change is None or not self.prior:
            return None
        return 100 * self.change / self.prior

    @property
    def completion(self) -> Decimal | None:
        """Actual in percent of the budget; None without a budget."""
        if self.amount is None or not self.budget:
            return None
        return 100 * self.amount / self.budget


def wan(value: Decimal | None, doc: YearDocument) -> Decimal | None:
    """An amount of the document in 万元."""
    return None if value is None else value * UNITS[doc.unit] / WAN


def fmt(value: Decimal | None, places: int = 2) -> str:
    """A figure written to two places half up; a dash when there is none."""
    if value is None:
        return "—"
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def pct(value: Decimal | None) -> str:
    """A percentage with two places."""
    return "—" if value is None else f"{fmt(value)}%"


class View:
    """A department-year and its prior year, read by subject in 万元."""

    def __init__(self, doc: YearDocument, prior: YearDocument | None, names: dict[str, str]):
        self.doc, self.prior, self.names = doc, prior, names

    def value(self, subject: str, prior: bool = False, column: str = "actual") -> Decimal | None:
        """A subject's value in 万元 (None when the document has no such figure)."""
        doc = self.prior if prior else self.doc
        if doc is None:
            return None
        f: Figure | None = figure(doc, subject, column)
        return None if f is None else wan(f.value, doc)

    def row(self, subject: str, whole: str | None = None, label: str | None = None) -> Row:
        """A row for a subject, its share of `whole` and its prior-year value."""
        f = figure(self.doc, subject)
        return Row(
            label=label or (f.label if f else subject),
            amount=self.value(subject),
            prior=self.value(subject, prior=True),
            whole=self.value(whole) if whole else None,
            budget=self.value(subject, column="budget"),
            code=subject.partition(".")[2],
        )

    def part_rows(self, part: str, whole: str | None = None) -> list[Row]:
        """Every line of a part as a row ("_total" lines apart when lines exist)."""
        codes = [x.code for x in self.doc.lines(part) if x.code != labels.TOTAL_ONLY]
        return [
            self.row(f"{part}.{c}", whole or f"{part}.total", self.label(part, c)) for c in codes
        ]

    def label(self, part: str, code: str) -> str:
        """A line's label, the classification name when there is one."""
        if part in labels.CLASSIFIED_PARTS and code in self.names:
            return self.names[code]
        return line_label(part, code)

    def money(self, amount: Decimal) -> Decimal | None:
        """An amount of this document in 万元."""
        return wan(amount, self.doc)

    def completion(self, part: str, whole: str) -> Decimal | None:
        """One subject in percent of another (None from a zero base)."""
        return Row(label="", amount=self.value(part), budget=self.value(whole)).completion

    def count(self, key: str) -> int:
        """A quantity (0 when not stated)."""
        return self.doc.quantities.get(key, 0)


def rise(value: Decimal | None, up: str = "增加", down: str = "减少") -> str:
    """The word for a change: 增加 or 减少 (增长 or 下降)."""
    return down if value is not None and value < 0 else up


def magnitude(value: Decimal | None) -> Decimal | None:
    """A change without its sign (the word says the direction)."""
    return None if value is None else abs(value)
