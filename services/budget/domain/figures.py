"""The figures of a department-year by subject ("income.total", "functional.205"...).

Each figure carries the uncertainty its stated precision allows: a line stated to 0.01 may be
off by 0.005, a sum of n such lines by n × 0.005. The checker compares within these bounds, so
differences of rounding at the stated precision are never reported.
"""

from dataclasses import dataclass
from decimal import Decimal

from services.budget.domain import labels
from services.budget.domain.document import Line, YearDocument

HALF = Decimal("0.005")  # half of the last place the lines are stated to (两位小数)


@dataclass(frozen=True)
class Figure:
    """A value, its possible rounding error either way, and its Chinese label."""

    value: Decimal
    error: Decimal
    label: str


def _sum(lines: list[Line], label: str, column: str = "actual") -> Figure | None:
    values = [getattr(x, column) for x in lines]
    if not lines or any(v is None for v in values):
        return None
    return Figure(sum(values, Decimal(0)), HALF * len(values), label)


def line_label(part: str, code: str) -> str:
    """The Chinese label of a line of a part."""
    if code == labels.TOTAL_ONLY:
        return labels.PARTS[part][0]
    fixed = labels.PARTS[part][1]
    if fixed and code in fixed:
        return fixed[code]
    if part == "economic":
        return f"经济分类{code}"
    return labels.FUNCTIONAL_CLASSES.get(code, f"科目{code}")


def part_total(doc: YearDocument, part: str, column: str = "actual") -> Figure | None:
    """A part's total: the sum of its lines ("of which" lines apart), or its stated total."""
    lines = doc.lines(part)
    items = [x for x in lines if x.code != labels.TOTAL_ONLY]
    items = [x for x in items if x.code not in labels.PROCUREMENT_OF_WHICH]
    label = labels.PARTS[part][0] + "合计"
    if items:
        return _sum(items, label, column)
    return _sum([x for x in lines if x.code == labels.TOTAL_ONLY], label, column)


def _project(doc: YearDocument, rest: list[str]) -> Figure | None:
    if len(rest) == 1:
        field = rest[0]
        if field not in ("declared", "approved", "budget", "executed") or not doc.projects:
            return None
        values = [getattr(p, field) for p in doc.projects]
        label = "项目支出" + labels.PROJECT_FIELDS[field]
        return Figure(sum(values, Decimal(0)), HALF * len(values), label)
    if len(rest) != 2 or not rest[0].isdigit() or not 1 <= int(rest[0]) <= len(doc.projects):
        return None
    project, field = doc.projects[int(rest[0]) - 1], rest[1]
    label = f"项目“{project.name}”" + labels.PROJECT_FIELDS.get(field, field)
    if field == "recovered":
        return Figure(project.approved - project.budget, 2 * HALF, label)
    if field not in labels.PROJECT_FIELDS:
        return None
    return Figure(getattr(project, field), HALF, label)


def figure(doc: YearDocument, subject: str, column: str = "actual") -> Figure | None:
    """The figure a subject names, or None when the document does not have it."""
    head, _, tail = subject.partition(".")
    if head == "quantity":
        value = doc.quantities.get(tail)
        return (
            None if value is None else Figure(Decimal(value), Decimal(0), labels.QUANTITIES[tail])
        )
    if head == "project":
        return _project(doc, tail.split("."))
    if head not in labels.PARTS:
        return None
    if tail == "total":
        return part_total(doc, head, column)
    lines = doc.lines(head)
    if head == "economic" and tail in labels.ECONOMIC_GROUPS:
        label, prefixes = labels.ECONOMIC_GROUPS[tail]
        return _sum([x for x in lines if x.code.startswith(prefixes)], label, column) or (
            Figure(Decimal(0), Decimal(0), label) if lines else None
        )
    if (head, tail) in labels.GROUPS:
        label, codes = labels.GROUPS[(head, tail)]
        return _sum([x for x in lines if x.code in codes], label, column)
    exact = [x for x in lines if x.code == tail]
    if exact:
        return _sum(exact, line_label(head, tail), column)
    if head in labels.CLASSIFIED_PARTS:
        # a class stated over its sub-codes: 类 205 is the sum of 20502, 2050201...
        leaves = [x for x in lines if x.code.startswith(tail) and x.code != tail]
        return _sum(leaves, line_label(head, tail), column) if leaves else None
    return None


def known_subject(subject: str) -> bool:
    """Whether a subject is well formed (its figure may still be missing from a document)."""
    head, _, tail = subject.partition(".")
    if head == "quantity":
        return tail in labels.QUANTITIES
    if head == "project":
        rest = tail.split(".")
        if len(rest) == 1:
            return rest[0] in ("declared", "approved", "budget", "executed")
        return len(rest) == 2 and rest[0].isdigit() and rest[1] in labels.PROJECT_FIELDS
    if head not in labels.PARTS or not tail:
        return False
    fixed = labels.PARTS[head][1]
    if tail == "total" or (head, tail) in labels.GROUPS:
        return True
    if head == "economic" and tail in labels.ECONOMIC_GROUPS:
        return True
    if fixed is not None:
        return tail in fixed
    return tail.isdigit() or tail == labels.TOTAL_ONLY


class Figures:
    """A document's figures, each computed once (the checker asks for many several times)."""

    def __init__(self, doc: YearDocument) -> None:
        self.doc = doc
        self._memo: dict[tuple[str, str], Figure | None] = {}

    def __call__(self, subject: str, column: str = "actual") -> Figure | None:
        """The figure a subject names (see `figure`)."""
        key = (subject, column)
        if key not in self._memo:
            self._memo[key] = figure(self.doc, subject, column)
        return self._memo[key]
