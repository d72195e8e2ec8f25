"""Four eyes: whoever approves a change is someone other than those who made it."""

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


def second_pair_of_eyes(reviewer: str, *makers: str | None) -> bool:
    """Whether `reviewer` may approve a change that `makers` created or submitted.

    The rule (DESIGN.md, Security): the second user is neither the creator nor the
    submitter. Makers not recorded (None) do not count.
    """
    return reviewer not in {m for m in makers if m is not None}
