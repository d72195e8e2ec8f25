"""The insurance relation's state machine (增减变动): which change is possible from where."""

from enum import StrEnum


class PersonStatus(StrEnum):
    """Where a person's insurance relation stands."""

    active = "active"  # 在职参保
    suspended = "suspended"  # 中断/暂停缴费
    transferred_out = "transferred_out"  # 转出
    retired = "retired"  # 退休
    deceased = "deceased"  # 死亡
    withdrawn = "withdrawn"  # 退保


class ChangeType(StrEnum):
    """A status change (增减变动类型)."""

    new_enrolment = "new_enrolment"  # 新参保
    transfer_in = "transfer_in"  # 转入
    transfer_out = "transfer_out"  # 转出
    suspension = "suspension"  # 中断
    resumption = "resumption"  # 恢复
    retirement = "retirement"  # 退休
    death = "death"  # 死亡
    withdrawal = "withdrawal"  # 退保


S, C = PersonStatus, ChangeType
# From which statuses each change may happen, and the status it leads to.
TRANSITIONS: dict[ChangeType, tuple[frozenset[PersonStatus], PersonStatus]] = {
    C.transfer_out: (frozenset({S.active, S.suspended}), S.transferred_out),
    C.transfer_in: (frozenset({S.transferred_out}), S.active),
    C.suspension: (frozenset({S.active}), S.suspended),
    C.resumption: (frozenset({S.suspended}), S.active),
    C.retirement: (frozenset({S.active, S.suspended}), S.retired),
    C.death: (frozenset({S.active, S.suspended, S.retired}), S.deceased),
    C.withdrawal: (frozenset({S.active, S.suspended, S.retired, S.deceased}), S.withdrawn),
}
# Changes that are recorded through their own use case, with their own checks.
DEDICATED_USE_CASES = frozenset(
    {C.new_enrolment, C.transfer_in, C.transfer_out, C.retirement, C.withdrawal}
)


class TransitionRefused(ValueError):
    """A change that is not possible from the person's current status; `key` names the
    message (one per change, listing the statuses it is possible from)."""

    def __init__(self, detail: str, key: str) -> None:
        super().__init__(detail)
        self.key = key


def next_status(current: PersonStatus, change: ChangeType) -> PersonStatus:
    """The status after the change, or TransitionRefused with the reason."""
    if change is C.new_enrolment:
        raise TransitionRefused(
            "a person is enrolled once; later relations are transfers in", "enrolled_once"
        )
    allowed_from, target = TRANSITIONS[change]
    if current not in allowed_from:
        readable = ", ".join(sorted(s.value for s in allowed_from))
        raise TransitionRefused(
            f"{change.value} is not possible for a person who is {current.value} "
            f"(only from: {readable})",
            f"transition_refused.{change.value}",
        )
    return target
