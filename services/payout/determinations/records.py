"""A determination's inputs and terms as stored (JSON with exact strings) and back."""

from datetime import date
from decimal import Decimal
from typing import Any

from services.payout.domain.comparison import OldMethod
from services.payout.domain.determination import DeterminationInputs, Terms

MONTH_COUNTS = ("contribution_months", "deemed_months")


def inputs_to_json(inputs: DeterminationInputs) -> dict[str, Any]:
    """Inputs as a JSON document; decimals as strings so nothing is lost."""
    old = inputs.old_method
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
        "old_method": None
        if old is None
        else {
            "final_salary": str(old.final_salary),
            "service_years": old.service_years,
            "allowances": str(old.allowances),
        },
        "adjustments": str(inputs.adjustments),
    }


def inputs_from_json(doc: dict[str, Any]) -> DeterminationInputs:
    """The stored document as domain inputs."""
    old = doc.get("old_method")
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
        old_method=None
        if old is None
        else OldMethod(
            Decimal(old["final_salary"]), int(old["service_years"]), Decimal(old["allowances"])
        ),
        adjustments=Decimal(doc["adjustments"]),
    )


def terms_to_json(terms: Terms) -> dict[str, Any]:
    """Terms as a JSON document: the 调待's fixed amount and rate, the corrected inputs."""
    return {
        "fixed_amount": str(terms.fixed_amount),
        "rate": str(terms.rate),
        "corrected": {k: v if k in MONTH_COUNTS else str(v) for k, v in terms.corrected.items()},
    }


def terms_from_json(doc: dict[str, Any]) -> Terms:
    """The stored terms as domain terms."""
    return Terms(
        fixed_amount=Decimal(doc["fixed_amount"]),
        rate=Decimal(doc["rate"]),
        corrected={
            k: int(v) if k in MONTH_COUNTS else Decimal(v) for k, v in doc["corrected"].items()
        },
    )
