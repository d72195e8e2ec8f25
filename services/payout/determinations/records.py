"""A determination's inputs and terms as stored (JSON with exact strings) and back."""

from datetime import date
from decimal import Decimal
from typing import Any

from services.payout.domain.comparison import OldMethod
from services.payout.domain.determination import Corrected, DeterminationInputs, Terms
from services.payout.domain.taken_over import TakenOverInputs

MONTH_COUNTS = ("contribution_months", "deemed_months", "age_months")


def old_method_to_json(old: OldMethod | None) -> dict[str, Any] | None:
    """The old-method standard's inputs as a JSON document."""
    if old is None:
        return None
    return {
        "final_salary": str(old.final_salary),
        "service_years": old.service_years,
        "allowances": str(old.allowances),
    }


def old_method_from_json(old: dict[str, Any] | None) -> OldMethod | None:
    """The stored old-method standard's inputs."""
    if old is None:
        return None
    return OldMethod(
        Decimal(old["final_salary"]), int(old["service_years"]), Decimal(old["allowances"])
    )


def inputs_to_json(inputs: DeterminationInputs) -> dict[str, Any]:
    """Inputs as a JSON document; decimals as strings so nothing is lost."""
    return {
        "retired_on": inputs.retired_on.isoformat(),
        "age_months": inputs.age_months,
        "retirement_age": inputs.age_months // 12,
        "contribution_months": inputs.contribution_months,
        "deemed_months": inputs.deemed_months,
        "average_index": str(inputs.average_index),
        "deemed_index": str(inputs.deemed_index),
        "basic_balance": str(inputs.basic_balance),
        "annuity_balance": str(inputs.annuity_balance),
        "wage_base": str(inputs.wage_base),
        "transition_coefficient": str(inputs.transition_coefficient),
        "old_method": old_method_to_json(inputs.old_method),
        "adjustments": str(inputs.adjustments),
    }


def inputs_from_json(doc: dict[str, Any]) -> DeterminationInputs:
    """The stored document as domain inputs."""
    return DeterminationInputs(
        retired_on=date.fromisoformat(doc["retired_on"]),
        age_months=int(doc["age_months"]),
        contribution_months=int(doc["contribution_months"]),
        deemed_months=int(doc["deemed_months"]),
        average_index=Decimal(doc["average_index"]),
        deemed_index=Decimal(doc["deemed_index"]),
        basic_balance=Decimal(doc["basic_balance"]),
        annuity_balance=Decimal(doc["annuity_balance"]),
        wage_base=Decimal(doc["wage_base"]),
        transition_coefficient=Decimal(doc["transition_coefficient"]),
        old_method=old_method_from_json(doc.get("old_method")),
        adjustments=Decimal(doc["adjustments"]),
    )


def terms_to_json(terms: Terms) -> dict[str, Any]:
    """Terms as a JSON document: the 调待's fixed amount and rate, the corrected inputs."""
    return {
        "fixed_amount": str(terms.fixed_amount),
        "rate": str(terms.rate),
        "corrected": {k: _corrected_to_json(k, v) for k, v in terms.corrected.items()},
    }


def _corrected_to_json(name: str, value: Corrected) -> Any:
    if isinstance(value, OldMethod):
        return old_method_to_json(value)
    return value if name in MONTH_COUNTS else str(value)


def _corrected_from_json(name: str, value: Any) -> Corrected:
    if name == "old_method":
        return old_method_from_json(value)  # type: ignore[return-value]
    return int(value) if name in MONTH_COUNTS else Decimal(value)


def terms_from_json(doc: dict[str, Any]) -> Terms:
    """The stored terms as domain terms."""
    return Terms(
        fixed_amount=Decimal(doc["fixed_amount"]),
        rate=Decimal(doc["rate"]),
        corrected={k: _corrected_from_json(k, v) for k, v in doc["corrected"].items()},
    )


def is_taken_over(doc: dict[str, Any]) -> bool:
    """True for the inputs of a taken-over benefit (接管), which has no formula inputs."""
    return bool(doc.get("taken_over"))


def taken_over_to_json(inputs: TakenOverInputs) -> dict[str, Any]:
    """A take-over's inputs as a JSON document (annuity_balance read by the payroll too)."""
    return {
        "taken_over": True,
        "retired_on": inputs.retired_on.isoformat(),
        "known": {k: str(v) for k, v in inputs.known.items()},
        "unspecified": str(inputs.unspecified),
        "comparison_adjustment": str(inputs.comparison_adjustment),
        "adjustments": str(inputs.adjustments),
        "annuity_monthly": str(inputs.annuity_monthly),
        "basic_balance": str(inputs.basic_balance),
        "annuity_balance": str(inputs.annuity_balance),
    }


def taken_over_from_json(doc: dict[str, Any]) -> TakenOverInputs:
    """The stored take-over inputs."""
    return TakenOverInputs(
        retired_on=date.fromisoformat(doc["retired_on"]),
        known={k: Decimal(v) for k, v in doc["known"].items()},
        unspecified=Decimal(doc["unspecified"]),
        comparison_adjustment=Decimal(doc["comparison_adjustment"]),
        adjustments=Decimal(doc["adjustments"]),
        annuity_monthly=Decimal(doc["annuity_monthly"]),
        basic_balance=Decimal(doc["basic_balance"]),
        annuity_balance=Decimal(doc["annuity_balance"]),
    )


def balances(doc: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The basic and annuity balances a determination pays from (either kind of inputs)."""
    return Decimal(doc["basic_balance"]), Decimal(doc["annuity_balance"])
