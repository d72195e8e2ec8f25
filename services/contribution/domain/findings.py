"""An audit finding's follow-up: open, then resolved or dismissed once, never reopened."""

from enum import StrEnum


class FindingStatus(StrEnum):
    """Where a finding's follow-up stands."""

    open = "open"
    resolved = "resolved"
    dismissed = "dismissed"


STATUS_LABELS = {
    FindingStatus.open: "待处理",
    FindingStatus.resolved: "已整改",
    FindingStatus.dismissed: "已撤销",
}


class FindingTransitionRefused(ValueError):
    """A follow-up the state machine does not allow; `code` names the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def close(current: FindingStatus, target: FindingStatus) -> FindingStatus:
    """The status after closing a finding: only an open finding closes, and only to
    resolved or dismissed."""
    if target is FindingStatus.open:
        raise FindingTransitionRefused("resolution_status_invalid", "Resolve or dismiss.")
    if current is not FindingStatus.open:
        raise FindingTransitionRefused("finding_closed", f"The finding is already {current.value}.")
    return target


def merged_counts(counts: dict[object, dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """Findings counted by kind and status, over several audits added together."""
    total: dict[str, dict[str, int]] = {}
    for by_kind in counts.values():
        for kind, by_status in by_kind.items():
            for status, n in by_status.items():
                total.setdefault(kind, {})[status] = total.get(kind, {}).get(status, 0) + n
    return total
