"""The two-step review of a determination (审核 then 复核) as a pure state machine.

Rules (documented in docs/payout.md):
- pending --check (审核)--> checked --approve (复核)--> approved; either step may return it
  (退回), after which a new determination is made.
- A determination in the transition period waits for the old-method standard
  (awaiting_old_method) and cannot be reviewed; entering it makes a new determination.
- The approver (复核) is neither the checker (审核) nor the creator: two different people
  have looked at every figure before it is paid. This is the shared four-eyes rule
  (shared/http/four_eyes.py, same code `four_eyes_required`); the service applies it too,
  with its other half: the approver holds a business role (admin alone never approves).
"""

from dataclasses import dataclass


class ReviewRefused(Exception):
    """A review step that the rules do not allow; carries a stable code and HTTP status."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class ReviewState:
    """Where a determination's review stands."""

    status: str
    created_by: str
    checked_by: str | None


NEXT = {"check": ("pending", "checked"), "approve": ("checked", "approved")}
RETURNABLE = ("pending", "checked")


def step(state: ReviewState, action: str, actor: str) -> str:
    """The status after `actor` performs `action` (check, approve or return), or a refusal."""
    if state.status == "awaiting_old_method":
        raise ReviewRefused(
            409, "old_method_missing", "此核定在过渡期内, 须先录入老办法待遇标准后再审核。"
        )
    if action == "return":
        if state.status not in RETURNABLE:
            raise ReviewRefused(409, "determination_not_in_review", "此核定不在审核中, 不能退回。")
        return "returned"
    wanted, after = NEXT[action]
    if state.status != wanted:
        raise ReviewRefused(
            409,
            "determination_wrong_state",
            f"此核定当前状态为 {state.status}, 不能执行 {action} (需要 {wanted})。",
        )
    if action == "approve" and actor in (state.checked_by, state.created_by):
        raise ReviewRefused(
            403,
            "four_eyes_required",
            "复核人不能是审核人或经办人本人: 须由另一位工作人员复核。",
        )
    return after
