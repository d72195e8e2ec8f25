"""The consistency checker: every place where a department-year's report contradicts itself.

It works on what the document states — the lines, and the narrative's statements and
breakdowns — against the figures computed from the lines, at the precision each is stated to:
- `stated_amount_differs` (error): a stated amount differs from the lines it names.
- `breakdown_does_not_add_up` (error): listed parts do not add up to the stated total.
- `parts_do_not_add_up` (error): lines of one part do not add up to a total another line
  states (fiscal totals, the balance of income, carry-over and expenditure, projects).
- `share_mismatch` (warning) / `share_truncated` (note): a share does not match its amounts
  (truncated: the digits were cut off instead of rounded half up).
- `growth_rate_mismatch`, `change_mismatch`, `completion_rate_mismatch` (error).
- `stated_differently` (error): the same figure stated with different values in two places.
- `rate_from_zero_base` (warning if a rate is stated for a change from zero, else note).
- `indicator_actual_missing` (warning): a performance indicator without its actual value.
- `indicator_cost_differs` (warning): a cost indicator (成本指标) in 万元/元 that is neither the
  project's budget nor its executed amount.
- `basic_and_projects_exceed_total` (warning): the basic expenditure's economic breakdown plus
  the general-budget projects exceed the general-budget expenditure.
- `completion_parts_conflict` (note): a total's completion rate and its items' rates leave
  the items not spent on to explain the difference.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from services.budget.domain import labels
from services.budget.domain.document import UNITS, Statement, YearDocument
from services.budget.domain.figures import HALF, Figure, Figures
from services.budget.domain.indicators import measured
from services.budget.domain.tolerance import (
    amounts_agree,
    half_unit,
    ratio_bounds,
    show,
    verdict,
)

DATA = "数据"  # the place of a figure computed from the lines rather than stated in words


@dataclass(frozen=True)
class Place:
    """Where a figure is stated, what it is, and the value stated there."""

    place: str
    what: str
    value: str


@dataclass(frozen=True)
class Finding:
    """One contradiction, with every place involved."""

    code: str
    severity: str  # error | warning | note
    message: str
    places: list[Place] = field(default_factory=list)


def _at(s: Statement, f: Figure | None, unit: str = "") -> Place:
    kind = labels.STATEMENT_KINDS[s.kind]
    what = f"{f.label if f else s.subject}（{kind}）"
    return Place(s.place, what, f"{s.value}{unit}")


def _unit(s: Statement, doc: YearDocument) -> str:
    if s.kind in ("amount", "change"):
        return "" if s.subject.startswith("quantity.") else doc.unit
    return "%"


def check(doc: YearDocument, prior: YearDocument | None = None) -> list[Finding]:
    """All findings of a department-year (prior: the year before, for changes and growth)."""
    now, then = Figures(doc), (Figures(prior) if prior is not None else None)
    found: list[Finding] = []
    for s in doc.statements:
        found.extend(_check_statement(now, then, s))
    found.extend(_same_figure_differently(now, then))
    found.extend(_breakdowns(doc))
    found.extend(_structure(now))
    found.extend(_three_public_completion(now))
    found.extend(_indicators(doc))
    return found


def _check_statement(now: Figures, then: Figures | None, s: Statement) -> list[Finding]:
    doc = now.doc
    f = now(s.subject)
    if f is None:
        return []
    unit = _unit(s, doc)
    if s.kind == "amount":
        if amounts_agree(s.value, f.value, f.error):
            return []
        data = Place(DATA, f.label, f"{show(f.value)}{unit}")
        msg = f"{f.label}在“{s.place}”写作{s.value}{unit}，按明细计算为{show(f.value)}{unit}。"
        return [Finding("stated_amount_differs", "error", msg, [_at(s, f, unit), data])]
    if s.kind == "share":
        whole = now(s.of or "")
        return [] if whole is None else _rate(s, f, whole, "share", "占比", unit)
    if s.kind == "completion":
        base = now(s.of) if s.of else now(s.subject, "budget")
        if base is None:
            return []
        if not s.of:
            base = Figure(base.value, base.error, base.label + "预算数")
        done = now(s.subject)
        return _rate(s, done or f, base, "completion", "完成预算", unit)
    before = then(s.subject) if then else None
    if before is None:
        return []
    if s.kind == "change":
        change = f.value - before.value
        if amounts_agree(s.value, change, f.error + before.error):
            return []
        msg = (
            f"{f.label}比上年增减额写作{s.value}{unit}，"
            f"两年数{show(f.value)}与{show(before.value)}之差为{show(change)}{unit}。"
        )
        places = [_at(s, f, unit), Place(DATA, f"{f.label}（本年）", show(f.value))]
        places.append(Place(DATA, f"{f.label}（上年）", show(before.value)))
        return [Finding("change_mismatch", "error", msg, places)]
    growth = Figure(f.value - before.value, f.error + before.error, f.label)
    return _rate(s, growth, before, "growth", "增长率", unit, current=f)


def _rate(
    s: Statement,
    part: Figure,
    whole: Figure,
    kind: str,
    word: str,
    unit: str,
    current: Figure | None = None,
) -> list[Finding]:
    places = [_at(s, part if current is None else current, unit)]
    places.append(Place(DATA, whole.label + ("（上年）" if current else ""), show(whole.value)))
    if current is not None:
        places.append(Place(DATA, f"{current.label}（本年）", show(current.value)))
    else:
        places.append(Place(DATA, part.label, show(part.value)))
    if whole.value == 0 or whole.value - whole.error <= 0:
        stated_zero = Decimal(s.value) == 0
        severity = "note" if stated_zero and part.value == 0 else "warning"
        msg = (
            f"{part.label}的{word}以零为基数计算（基数{show(whole.value)}），"
            f"写作{s.value}%，该比率无意义。"
        )
        return [Finding("rate_from_zero_base", severity, msg, places)]
    sign = Decimal(-1) if part.value < 0 else Decimal(1)
    low_high = ratio_bounds(abs(part.value), part.error, whole.value, whole.error)
    assert low_high is not None
    bounds = low_high if sign > 0 else (-low_high[1], -low_high[0])
    result = verdict(s.value, bounds)
    if result == "ok":
        return []
    exact = show(sign * abs(part.value) * 100 / whole.value, 4)
    if result == "truncated" and kind == "share":
        msg = f"{part.label}占比写作{s.value}%，按金额计算为{exact}%，系截位而非四舍五入。"
        return [Finding("share_truncated", "note", msg, places)]
    code = {"share": "share_mismatch", "growth": "growth_rate_mismatch"}.get(
        kind, "completion_rate_mismatch"
    )
    severity = "warning" if kind == "share" else "error"
    msg = f"{part.label}{word}写作{s.value}%，按金额计算为{exact}%。"
    return [Finding(code, severity, msg, places)]


def _same_figure_differently(now: Figures, then: Figures | None) -> list[Finding]:
    """Statements of the same figure (same subject, or the same two years' values) that differ."""
    doc = now.doc
    groups: dict[tuple, list[Statement]] = {}
    for s in doc.statements:
        key: tuple = (s.kind, s.subject, s.of)
        if s.kind in ("growth", "change") and then is not None:
            current, before = now(s.subject), then(s.subject)
            if current is not None and before is not None:
                key = (s.kind, current.value, before.value)
        groups.setdefault(key, []).append(s)
    found = []
    for statements in groups.values():
        first = statements[0]
        for other in statements[1:]:
            gap = abs(Decimal(first.value) - Decimal(other.value))
            if gap > half_unit(first.value) + half_unit(other.value):
                f = now(first.subject)
                unit = _unit(first, doc)
                word = labels.STATEMENT_KINDS[first.kind]
                msg = (
                    f"同一{word}在两处写法不同：“{first.place}”为{first.value}{unit}，"
                    f"“{other.place}”为{other.value}{unit}。"
                )
                places = [_at(first, f, unit), _at(other, now(other.subject), unit)]
                found.append(Finding("stated_differently", "error", msg, places))
                break
    return found


def _breakdowns(doc: YearDocument) -> list[Finding]:
    found = []
    for b in doc.breakdowns:
        total = sum((Decimal(p.value) for p in b.parts), Decimal(0))
        slack = half_unit(b.total) + sum((half_unit(p.value) for p in b.parts), Decimal(0))
        if abs(total - Decimal(b.total)) <= slack:
            continue
        msg = f"“{b.label}”写作{b.total}{doc.unit}，所列各项相加为{total}{doc.unit}。"
        places = [Place(b.place, b.label, f"{b.total}{doc.unit}")]
        places += [Place(b.place, p.label, f"{p.value}{doc.unit}") for p in b.parts]
        found.append(Finding("breakdown_does_not_add_up", "error", msg, places))
    return found


def _equal(name: str, left: tuple[str, Figure | None], right: tuple[str, Figure | None]):
    a, b = left[1], right[1]
    if a is None or b is None or abs(a.value - b.value) <= a.error + b.error:
        return []
    msg = f"{name}：{a.label}为{show(a.value)}，{b.label}为{show(b.value)}，二者应相等。"
    places = [Place(left[0], a.label, show(a.value)), Place(right[0], b.label, show(b.value))]
    return [Finding("parts_do_not_add_up", "error", msg, places)]


def _plus(label: str, *figures: Figure | None) -> Figure | None:
    if any(f is None for f in figures):
        return None
    value = sum((f.value for f in figures if f), Decimal(0))
    return Figure(value, sum((f.error for f in figures if f), Decimal(0)), label)


def _structure(now: Figures) -> list[Finding]:
    """Totals the lines state twice: fiscal totals, the balance, projects, reception."""
    doc, g = now.doc, now
    fiscal_in = _plus(
        "一般公共预算、政府性基金、国有资本经营预算拨款收入之和",
        g("income.general_budget"),
        g("income.fund_budget"),
        g("income.state_capital"),
    )
    available = _plus(
        "本年收入合计与年初结转和结余之和", g("income.total"), g("balance.carry_over_begin")
    )
    used = _plus(
        "本年支出合计与年末结转和结余之和", g("expenditure.total"), g("balance.carry_over_end")
    )
    found = _equal("财政拨款收入总计", ("财政拨款", g("fiscal.income")), (DATA, fiscal_in))
    found += _equal("收支平衡", (DATA, available), (DATA, used))
    found += _equal(
        "项目支出", ("支出决算", g("expenditure.project")), ("项目", g("project.executed"))
    )
    found += _equal(
        "公务接待费", ("三公经费", g("three_public.reception")), ("经济分类", g("economic.30217"))
    )
    found += _basic_and_projects(now)
    for n, p in enumerate(doc.projects, start=1):
        parts = Figure(p.budget_fiscal + p.budget_other, 2 * HALF, f"项目{n}财政拨款与其他资金之和")
        found += _equal(
            f"项目{n}预算数", ("项目", Figure(p.budget, HALF, f"项目{n}预算数")), ("项目", parts)
        )
    return found


def _where(doc: YearDocument, subject: str) -> str:
    """The first place the narrative states an amount of a subject (else the data)."""
    return next(
        (s.place for s in doc.statements if s.subject == subject and s.kind == "amount"), DATA
    )


def _basic_and_projects(now: Figures) -> list[Finding]:
    """General-budget expenditure = its basic expenditure (the economic breakdown) plus the
    projects the general budget pays for; more than the total means the "basic" breakdown
    also holds project spending, or the projects' funding source is wrong."""
    total, basic = now("functional.total"), now("economic.total")
    projects = [p for p in now.doc.projects if p.funding_source == "general_budget"]
    if total is None or basic is None or not projects:
        return []
    executed = sum((p.executed for p in projects), Decimal(0))
    both = basic.value + executed
    if both <= total.value + total.error + basic.error + HALF * len(projects):
        return []
    msg = (
        f"一般公共预算财政拨款支出为{show(total.value)}，而基本支出（经济分类合计）"
        f"{show(basic.value)}加上一般公共预算安排的项目支出{show(executed)}为{show(both)}，"
        "超出总额：基本支出的经济分类明细可能包含了项目支出，或项目的资金来源有误。"
    )
    doc = now.doc
    places = [
        Place(_where(doc, "functional.total"), total.label, show(total.value)),
        Place(_where(doc, "economic.total"), basic.label, show(basic.value)),
        Place(_where(doc, "project.executed"), "一般公共预算安排的项目支出执行数", show(executed)),
    ]
    return [Finding("basic_and_projects_exceed_total", "warning", msg, places)]


def _three_public_completion(now: Figures) -> list[Finding]:
    """A total spent at r% whose only spent items are at 100% leaves the rest unexplained."""
    doc = now.doc
    rates = {s.subject: s for s in doc.statements if s.kind == "completion"}
    total = rates.get("three_public.total")
    if total is None or Decimal(total.value) == 0:
        return []
    spent_items = []
    for item in ("three_public.outbound", "three_public.vehicle", "three_public.reception"):
        f = now(item)
        if f is not None and f.value > 0:
            spent_items.append((item, f))
    if not spent_items or any(item not in rates for item, _ in spent_items):
        return []
    implied = sum((f.value * 100 / Decimal(rates[i].value) for i, f in spent_items), Decimal(0))
    whole = now("three_public.total")
    if whole is None or implied == 0:
        return []
    rate = whole.value * 100 / implied
    if verdict(total.value, (rate, rate)) == "ok":
        return []
    msg = (
        f"“三公”经费总体完成预算写作{total.value}%，而有支出的分项完成率隐含预算合计"
        f"{show(implied)}{doc.unit}（按此总体完成率应为{show(rate)}%）；差额只能是未发生支出分项的预算，"
        "与“决算数小于预算数”的说明须一并核实。"
    )
    places = [_at(total, whole, "%")] + [_at(rates[i], f, "%") for i, f in spent_items]
    return [Finding("completion_parts_conflict", "note", msg, places)]


def _indicators(doc: YearDocument) -> list[Finding]:
    found = []
    for n, p in enumerate(doc.projects, start=1):
        found.extend(_cost_indicators(doc, n))
        for k, ind in enumerate(p.indicators, start=1):
            if ind.actual is None or not ind.actual.strip():
                place = f"项目{n}“{p.name}”绩效指标第{k}项"
                msg = f"{place}（{ind.level3}）未填写实际完成值，预期值为“{ind.expected}”。"
                places = [Place(place, ind.level3, ind.expected), Place(place, "实际完成值", "")]
                found.append(Finding("indicator_actual_missing", "warning", msg, places))
    return found


def _cost_indicators(doc: YearDocument, n: int) -> list[Finding]:
    """A cost indicator (成本指标) in 万元 states the project's money a second time."""
    p = doc.projects[n - 1]
    found = []
    for k, ind in enumerate(p.indicators, start=1):
        value = measured(ind.actual or ind.expected)
        if ind.level2 != "成本指标" or value is None or value.unit not in ("万元", "元"):
            continue
        stated = value.number * (UNITS[value.unit] / UNITS[doc.unit])
        written = str(value.number)
        tolerance = half_unit(written) * (UNITS[value.unit] / UNITS[doc.unit]) + HALF
        if abs(stated - p.executed) <= tolerance or abs(stated - p.budget) <= tolerance:
            continue
        place = f"项目{n}“{p.name}”绩效指标第{k}项（{ind.level3}）"
        msg = (
            f"{place}的成本指标为{ind.actual or ind.expected}，"
            f"而项目预算数为{show(p.budget)}{doc.unit}、执行数为{show(p.executed)}{doc.unit}。"
        )
        places = [
            Place(place, ind.level3, ind.actual or ind.expected),
            Place(f"项目{n}“{p.name}”", "执行数", f"{show(p.executed)}{doc.unit}"),
        ]
        found.append(Finding("indicator_cost_differs", "warning", msg, places))
    return found
