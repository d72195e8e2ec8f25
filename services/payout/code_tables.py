"""Payout's code tables: every enum a clerk sees; labels in locales/ as enum.<table>.<value>."""

from services.payout.domain.certification import METHODS
from services.payout.domain.death import RECOVERY_METHODS
from services.payout.domain.duplicates import DUPLICATE_BENEFIT_KINDS
from shared.jobs.tables import JOB_CODE_TABLES

CODE_TABLES: dict[str, tuple[str, ...]] = {
    "failure_reason": (
        "account_closed",
        "account_not_found",
        "name_mismatch",
        "account_frozen",
        "account_dormant",
        "other",
    ),
    "account_change_status": ("pending", "approved", "rejected"),
    "determination_status": (
        "awaiting_old_method",
        "pending",
        "checked",
        "approved",
        "returned",
        "superseded",
    ),
    "determination_kind": ("initial", "old_method", "adjustment", "recalculation", "taken_over"),
    "comparison_outcome": ("floor", "cap"),
    "run_state": ("queued", "running", "done", "failed"),
    "payment_status": ("sent", "paid", "failed", "reissued"),
    "recovery_method": tuple(RECOVERY_METHODS),
    "recovery_status": ("open", "pending_approval", "recovered", "waived", "void", "offsetting"),
    # A parameter version's review (submitted, then approved and in force, or rejected).
    "parameter_status": ("submitted", "approved", "rejected"),
    "approval_status": ("requested", "approved", "rejected"),
    "program": (
        "basic_pension",
        "occupational_annuity",
        "living_subsidy",
        "survivor_pension",
        "transport_nursing",
        "hardship_aid",
        "death_benefit",
        "withdrawal",
    ),
    "difference_kind": ("back_pay", "recovery"),
    "difference_status": ("pending", "issued", "to_survivor", "cancelled", "recovery_opened"),
    "undetermined_reason": (
        "months_divisor_missing",
        "parameter_missing",
        "index_missing",
        "amount_above_bound",
    ),
    "retiree_status": ("active", "suspended", "deceased"),
    "certification_method": METHODS,
    # The province's duplicate-receipt checks (重复领取比对, issue #20).
    "duplicate_benefit_kind": DUPLICATE_BENEFIT_KINDS,
    "duplicate_status": ("open", "clear_requested", "cleared", "confirmed"),
    # A bank's result for an unknown reference, held (待查明款项) until resolved.
    "suspense_status": ("open", "submitted", "matched", "returned"),
    "suspense_action": ("match", "return"),
    "suspense_reason": ("line_unknown",),
    "parameter": (
        "wage_base",
        "months_divisor",
        "transition_coefficient",
        "average_index",
        "transition_comparison",
        "death_benefit",
        "certification",
        "subsidy.living_subsidy",
        "subsidy.survivor_pension",
        "subsidy.transport_nursing",
        "subsidy.hardship_aid",
        "budget_codes",
        "amount_bounds",
        "offset_deduction",
        "pension_adjustment",
    ),
    **JOB_CODE_TABLES,
}
