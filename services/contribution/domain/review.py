"""Where a change waiting for a second pair of eyes stands (the rule: shared/http/four_eyes.py)."""

from enum import StrEnum


class ReviewStatus(StrEnum):
    """Where a change waiting for a second pair of eyes stands."""

    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"


REVIEW_STATUS_LABELS = {
    ReviewStatus.submitted: "待审核",
    ReviewStatus.approved: "已审核通过",
    ReviewStatus.rejected: "已退回",
}
