"""The first determination's inputs from a retirement event: I by the provincial weighting,
the age in months, and why a retirement cannot be determined yet (never a dead letter)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.determinations.records import inputs_from_json
from services.payout.domain.average_index import (
    IndexBasis,
    IndexMissing,
    IndexRule,
    average_index,
)
from services.payout.domain.benefit import NoMonthsDivisor
from services.payout.domain.determination import Corrected, DeterminationInputs
from services.payout.models import Determination
from services.payout.parameters.schemas import (
    AverageIndex,
    MonthsDivisor,
    TransitionCoefficient,
    WageBase,
)
from services.payout.parameters.service import (
    InForce,
    as_recorded,
    divisor_table,
    in_force,
    index_rule,
)
from shared.contracts import PersonRetired
from shared.problems import ProblemError

# Every parameter the first determination uses; their versions are recorded on it.
FIRST = [
    "wage_base",
    "transition_coefficient",
    "average_index",
    "months_divisor",
    "transition_comparison",
]
ZERO = Decimal(0)


class Undeterminable(Exception):
    """The retirement cannot be determined yet: a clerk must see it (code, the Chinese detail
    kept on the undetermined list, and the parameters of the code's catalogue message)."""

    def __init__(self, code: str, detail: str, **params: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.params = params


@dataclass(frozen=True)
class FirstInputs:
    """The inputs, the parameter versions used, and what I was computed from."""

    inputs: DeterminationInputs
    params: InForce
    index_basis: dict[str, object]


def index_basis(event: PersonRetired) -> IndexBasis:
    """The months and index sums of the event (an older event: its average × its months)."""
    local_sum = event.index_sum
    if local_sum is None:
        local_sum = (event.average_index or ZERO) * event.indexed_months
    return IndexBasis(
        contribution_months=event.contribution_months,
        local_indexed_months=event.indexed_months,
        local_index_sum=local_sum,
        transferred_indexed_months=event.transferred_indexed_months or 0,
        transferred_index_sum=event.transferred_index_sum or ZERO,
        deemed_months=event.deemed_months,
        deemed_index=event.deemed_index,
    )


def _age(age_months: int) -> str:
    return f"{age_months // 12} 岁 {age_months % 12} 个月"


async def first_inputs(
    session: AsyncSession, event: PersonRetired, given_index: Decimal | None = None
) -> FirstInputs:
    """The first determination's inputs (raises Undeterminable, naming what is missing);
    `given_index`: I entered by a clerk where the event carries none."""
    try:
        params = await in_force(session, FIRST, event.retired_on)
    except ProblemError as exc:
        names = "、".join(exc.extra.get("parameters", ()))
        raise Undeterminable(
            "parameter_missing",
            f"退休日期 {event.retired_on} 时没有有效的参数: {names}",
            names=names,
            on=str(event.retired_on),
        ) from exc
    basis = index_basis(event)
    rule = params.value("average_index", AverageIndex)
    try:
        index = given_index if given_index is not None else average_index(basis, index_rule(rule))
    except IndexMissing as exc:
        raise Undeterminable(
            "index_missing", "此人既无实际缴费指数也无视同缴费指数, 须由经办人员录入平均缴费指数。"
        ) from exc
    try:
        divisor_table(params.value("months_divisor", MonthsDivisor)).lookup(event.age_months)
    except NoMonthsDivisor as exc:
        raise Undeterminable(
            "months_divisor_missing",
            f"计发月数表中没有退休年龄 {_age(event.age_months)} 的月数; "
            "须由管理员补充计发月数表后重新核定。",
            years=str(event.age_months // 12),
            months=str(event.age_months % 12),
        ) from exc
    inputs = DeterminationInputs(
        retired_on=event.retired_on,
        age_months=event.age_months,
        contribution_months=event.contribution_months,
        deemed_months=event.deemed_months,
        average_index=index,
        deemed_index=event.deemed_index or ZERO,
        basic_balance=event.basic_balance,
        annuity_balance=event.annuity_notional_balance + event.annuity_funded_balance,
        wage_base=params.value("wage_base", WageBase).amount,
        transition_coefficient=params.value("transition_coefficient", TransitionCoefficient).rate,
    )
    basis_json = basis.as_json() | {"given_index": None if given_index is None else str(index)}
    return FirstInputs(inputs, params, basis_json)


# A correction of these changes the weights of I (issue #18): I is weighed again.
WEIGHTS = ("contribution_months", "deemed_months", "deemed_index")


def _basis_from(doc: dict[str, Any]) -> IndexBasis:
    """The index basis as stored with an initial determination."""
    deemed = doc.get("deemed_index")
    return IndexBasis(
        contribution_months=int(doc["contribution_months"]),
        local_indexed_months=int(doc["local_indexed_months"]),
        local_index_sum=Decimal(doc["local_index_sum"]),
        transferred_indexed_months=int(doc["transferred_indexed_months"]),
        transferred_index_sum=Decimal(doc["transferred_index_sum"]),
        deemed_months=int(doc["deemed_months"]),
        deemed_index=None if deemed is None else Decimal(deemed),
    )


def _weighed(basis: IndexBasis, inputs: DeterminationInputs, rule: IndexRule) -> Decimal | None:
    """I by the rule on the basis with these inputs' months and deemed index."""
    try:
        return average_index(
            replace(
                basis,
                contribution_months=inputs.contribution_months,
                deemed_months=inputs.deemed_months,
                deemed_index=inputs.deemed_index,
            ),
            rule,
        )
    except IndexMissing:
        return None


async def _rule(session: AsyncSession, version: int) -> IndexRule:
    """The weighting of I as one recorded version of `average_index` has it."""
    params = await as_recorded(session, {"average_index": version})
    return index_rule(params.value("average_index", AverageIndex))


async def _entered_by_clerk(session: AsyncSession, d: Determination, basis: IndexBasis) -> bool:
    """A correction whose I is not what its own rule version gives on its own weights: a
    clerk's I (one made before the rule was recorded counts as a clerk's)."""
    given = (d.terms or {}).get("corrected", {}).get("average_index")
    if given is None:
        return False
    version = d.parameter_versions.get("average_index")
    if version is None:
        return True
    rule = await _rule(session, version)
    return _weighed(basis, inputs_from_json(d.inputs), rule) != Decimal(given)


def _basis_holder(history: list[Determination]) -> Determination | None:
    """The latest first determination (initial or re-determination) that recorded what I
    was weighed from; a returned one never counts."""
    found = [d for d in history if "index_basis" in d.inputs and d.status != "returned"]
    return found[-1] if found else None


async def index_by_rule(
    session: AsyncSession,
    history: list[Determination],
    inputs: DeterminationInputs,
    version: int,
) -> Decimal | None:
    """I weighed by the rule version `version` on the recorded basis with these inputs'
    months and deemed index; None where I stays as it is: I entered by a clerk (at the
    first determination, or a corrected I its rule does not give), or no basis recorded."""
    holder = _basis_holder(history)
    if holder is None or holder.inputs["index_basis"].get("given_index") is not None:
        return None
    basis = _basis_from(holder.inputs["index_basis"])
    for d in history:
        if d.status != "returned" and await _entered_by_clerk(session, d, basis):
            return None
    return _weighed(basis, inputs, await _rule(session, version))


async def reweighed_index(
    session: AsyncSession,
    history: list[Determination],
    base: Determination,
    corrected: Mapping[str, Corrected],
) -> Decimal | None:
    """I weighed again with corrected months or deemed index, by the rule version `base`
    used; None where I stays as it is: nothing that weighs corrected, I given with the
    correction, I entered by a clerk before, or a determination made before the basis
    was recorded."""
    if "average_index" in corrected or not any(name in corrected for name in WEIGHTS):
        return None
    if "average_index" not in base.parameter_versions:
        return None
    inputs = replace(inputs_from_json(base.inputs), **corrected)
    return await index_by_rule(session, history, inputs, base.parameter_versions["average_index"])
