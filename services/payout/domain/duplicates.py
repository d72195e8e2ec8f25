"""Duplicate receipt (重复领取比对): a retiree drawing a pension elsewhere too.

Rules (documented in docs/province.md): the province's finding lists the retiree for a clerk
and holds their payment while the listing is open, while a clearing waits for its approval,
and for good once confirmed. A cleared listing releases the hold; the retiree is paid again
only when nothing else holds them (another listing, an overdue certification).
"""

from datetime import date

DUPLICATE_BENEFIT_KINDS = (
    "enterprise_pension",  # 企业职工基本养老保险
    "institution_pension",  # 机关事业单位基本养老保险
    "resident_pension",  # 城乡居民基本养老保险
    "other",
)
HOLDING = ("open", "clear_requested", "confirmed")
"""Statuses of a listing that hold the retiree's payment."""

RECOVERED_PROGRAMS = ("basic_pension",)
"""What a confirmed duplicate recovers: the basic pension paid here for the months drawn
elsewhere too. The occupational annuity is the retiree's own account and the subsidies are
not a second basic pension: neither is recovered (a clerk opens a case by hand if policy
says otherwise)."""


def first_month_drawn(drawing_since: date) -> date:
    """The first month drawn elsewhere: a month begun there counts as drawn."""
    return drawing_since.replace(day=1)
