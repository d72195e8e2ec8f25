"""The department-year document: the import format, and what the checker and report read.

Amounts are exact decimals in the document's `unit` (元 or 万元), never floats; statements keep
the figures the narrative states as strings, so their stated precision is kept.
"""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from services.budget.domain import labels
from services.budget.domain.indicators import impossible_percent
from shared.i18n import Invalid

MONEY = ("declared", "approved", "budget", "executed")
MONEY += ("budget_fiscal", "budget_other", "executed_fiscal", "executed_other")
UNITS = {"元": Decimal(1), "万元": Decimal(10000)}
Unit = Literal["元", "万元"]
Severity = Literal["error", "warning", "note"]
MAX = Decimal("999999999999.99")


def _amount(value: Any) -> Decimal:
    """An amount: string or integer, finite, not negative, never a float."""
    if isinstance(value, bool | float):
        raise Invalid("amount_float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise Invalid("amount_invalid", value=str(value)) from exc
    if not amount.is_finite() or abs(amount) > MAX:
        raise Invalid("amount_invalid", value=str(value))
    if amount < 0:
        raise Invalid("amount_negative")
    return amount


def _stated(value: Any) -> str:
    """A stated figure, kept as written ("4.90" keeps its two places)."""
    if isinstance(value, bool | float):
        raise Invalid("stated_float")
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise Invalid("stated_invalid", value=str(value)) from exc
    if not number.is_finite():
        raise Invalid("stated_invalid", value=str(value))
    return text


Amount = Annotated[Decimal, BeforeValidator(_amount)]
Stated = Annotated[str, BeforeValidator(_stated)]


class Strict(BaseModel):
    """Unknown fields are refused, so a misspelt field is not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentIn(Strict):
    """The department (预算部门)."""

    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1, max_length=200)
    county: str = Field(min_length=1, max_length=100)


class Line(Strict):
    """One line of a part: its code, budget (预算数, if stated) and actual (决算数)."""

    code: str = Field(min_length=1, max_length=32)
    budget: Amount | None = None
    actual: Amount


class Indicator(Strict):
    """A three-level performance indicator; the expected value is required."""

    level1: str = Field(min_length=1)
    level2: str = Field(min_length=1)
    level3: str = Field(min_length=1)
    expected: str = Field(min_length=1)
    actual: str | None = None  # missing until evaluated: the checker reports it

    @field_validator("expected", "actual")
    @classmethod
    def _rate_at_most_whole(cls, value: str | None, info: Any) -> str | None:
        level2, level3 = info.data.get("level2", ""), info.data.get("level3", "")
        if impossible_percent(level2, level3, value):
            raise Invalid("percent_above_whole")
        return value


class Use(Strict):
    """What a project's money was spent on, by economic code, as the evaluation states it."""

    code: str
    amount: Stated


class Project(Strict):
    """A project (项目支出): declared, approved, budget after adjustment, executed."""

    name: str = Field(min_length=1)
    funding_source: Literal["general_budget", "fund_budget", "state_capital", "other"]
    declared: Amount
    approved: Amount
    budget: Amount
    executed: Amount
    budget_fiscal: Amount
    budget_other: Amount = Decimal(0)
    executed_fiscal: Amount
    executed_other: Amount = Decimal(0)
    score: Decimal | None = Field(default=None, ge=0, le=100)
    texts: dict[str, str] = {}
    indicators: list[Indicator] = []


class Statement(Strict):
    """A figure as the narrative states it, at one place of the document."""

    place: str = Field(min_length=1)
    kind: Literal["amount", "share", "growth", "change", "completion"]
    subject: str = Field(min_length=1)
    of: str | None = None  # the whole a share is of
    value: Stated
    quote: str = ""

    @field_validator("value")
    @classmethod
    def _share_at_most_whole(cls, value: str, info: Any) -> str:
        kind = info.data.get("kind")
        number = Decimal(value)
        if kind == "share" and not Decimal(0) <= number <= Decimal(100):
            raise Invalid("share_out_of_range")
        if kind in ("amount", "completion") and number < 0:
            raise Invalid("stated_negative")
        if kind == "growth" and number < -100:
            raise Invalid("decline_above_whole")
        return value


class Part(Strict):
    """One stated part of a breakdown."""

    label: str = Field(min_length=1)
    value: Stated


class Breakdown(Strict):
    """A sum the narrative states: a total and the parts it lists."""

    place: str = Field(min_length=1)
    label: str = Field(min_length=1)
    total: Stated
    parts: list[Part] = Field(min_length=1)


class YearDocument(Strict):
    """A department's final accounts (部门决算) for one year, with its narrative."""

    department: DepartmentIn
    year: int = Field(ge=2000, le=2100)
    unit: Unit = "万元"
    profile: dict[str, Any] = {}
    quantities: dict[str, Annotated[int, Field(ge=0, le=2_147_483_647)]] = {}
    income: list[Line] = []
    expenditure: list[Line] = []
    balance: list[Line] = []
    fiscal: list[Line] = []
    functional: list[Line] = []
    economic: list[Line] = []
    three_public: list[Line] = []
    fund_budget: list[Line] = []
    state_capital: list[Line] = []
    running_cost: list[Line] = []
    procurement: list[Line] = []
    projects: list[Project] = []
    evaluation: dict[str, Any] = {}
    statements: list[Statement] = []
    breakdowns: list[Breakdown] = []

    @field_validator("quantities")
    @classmethod
    def _known_quantities(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(labels.QUANTITIES))
        if unknown:
            raise Invalid("quantity_unknown", name=unknown[0])
        return value

    def lines(self, part: str) -> list[Line]:
        """The lines of a part by its name."""
        return getattr(self, part)

    @property
    def factor(self) -> Decimal:
        """Yuan per unit of this document's amounts."""
        return UNITS[self.unit]


def plain(value: Decimal) -> Decimal:
    """The same number without trailing zeros and never in exponent form (120, not 1.2E+2)."""
    value = value.normalize()
    exponent = value.as_tuple().exponent
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value


def rescale(doc: YearDocument, unit: str) -> YearDocument:
    """The same document with its amounts in another unit (statements keep their words)."""
    ratio = doc.factor / UNITS[unit]

    places = Decimal("0.01") if unit == "元" else Decimal("0.000001")

    def scale(amount: Decimal) -> Decimal:
        # exact, with no trailing zeros past the fen: 8677.030000 万元 reads 8677.03
        value = (amount * ratio).quantize(places).normalize()
        return value.quantize(Decimal("0.01")) if value.as_tuple().exponent > -2 else value  # type: ignore[operator]

    def lines(items: list[Line]) -> list[Line]:
        return [
            Line(
                code=x.code,
                budget=None if x.budget is None else scale(x.budget),
                actual=scale(x.actual),
            )
            for x in items
        ]

    projects = [p.model_copy(update={f: scale(getattr(p, f)) for f in MONEY}) for p in doc.projects]
    update: dict[str, Any] = {part: lines(doc.lines(part)) for part in labels.PARTS}
    return doc.model_copy(update={**update, "projects": projects, "unit": unit})
