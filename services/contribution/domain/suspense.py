"""Where a bank's line held in suspense (待查明款项) stands, and what a clerk may do with it."""

from enum import StrEnum


class SuspenseStatus(StrEnum):
    """open → submitted (a clerk proposed a match or a return) → matched | returned; a
    rejected proposal puts the line back to open."""

    open = "open"
    submitted = "submitted"
    matched = "matched"
    returned = "returned"


class SuspenseAction(StrEnum):
    """What a clerk proposes: credit the money to a unit, or send it back to the bank."""

    match = "match"
    return_ = "return"


SUSPENSE_STATUS_LABELS = {
    SuspenseStatus.open: "待查明",
    SuspenseStatus.submitted: "待复核",
    SuspenseStatus.matched: "已匹配入账",
    SuspenseStatus.returned: "已退回银行",
}
SUSPENSE_REASON_LABELS = {"unit_unknown": "统一社会信用代码不在参保单位名册中"}
