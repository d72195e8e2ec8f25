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
    """A review step that the rules do not allow: HTTP status, stable code, message key and
    the message's parameters."""

    def __init__(self, status: int, code: str, message: str | None = None, **params: str) -> None:
        super().__init__(message or code)
        self.status, self.code, self.message, self.params = status, code, message, params


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
        raise ReviewRefused(409, "old_method_missing")
    if action == "return":
        if state.status not in RETURNABLE:
            raise ReviewRefused(409, "determination_not_in_review")
        return "returned"
    wanted, after = NEXT[action]
    if state.status != wanted:
        raise ReviewRefused(
            409,
            "determination_wrong_state",
            current_status=state.status,
            action=action,
            wanted=wanted,
        )
    if action == "approve" and actor in (state.checked_by, state.created_by):
        raise ReviewRefused(403, "four_eyes_required", "four_eyes_review")
    return after
