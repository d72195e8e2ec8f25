"""Four eyes: no money leaves, and no debt is forgiven, on one person's word.

The one rule every service applies (DESIGN.md, "Segregation of duties"). An act that pays or
forgives money (a death recorded from a clerk's entry, death benefits, withdrawals, subsidy
entitlements and their changes, one-off payments, write-offs and waivers of recoveries,
re-issues to another account, contribution adjustments and reversals) is recorded by one
person and takes effect only when a second person approves it. The approver

- is a different subject from everyone who made the act (entered, submitted, checked it);
- holds a business role for the act (`clerk` or `finance` unless the act names others).

`admin` administers the system and is never a second pair of eyes for business: a person who
holds a clerk login and an admin login is still one person, so an admin token alone never
approves, whatever other roles it carries. Tests: `tests/shared/unit/test_four_eyes.py` and
the money-route matrices of each service.
"""

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends

from shared.data.work import Actor
from shared.http.auth import Principal, authenticate
from shared.problems import ProblemError

BUSINESS_ROLES = frozenset({"clerk", "finance"})
"""The roles that may approve a business act unless the act names its own."""


def approver_roles(principal: Actor, allowed: Iterable[str] = BUSINESS_ROLES) -> frozenset[str]:
    """The business roles this caller holds for an act (admin never counts)."""
    return principal.roles & (frozenset(allowed) - {"admin"})


def may_approve(
    approver: Actor, *makers: str | None, allowed: Iterable[str] = BUSINESS_ROLES
) -> bool:
    """Whether `approver` may approve an act that `makers` made (None: not recorded)."""
    if approver.subject in {m for m in makers if m is not None}:
        return False
    return bool(approver_roles(approver, allowed))


def require_second_person(
    approver: Actor,
    *makers: str | None,
    act: str,
    allowed: Iterable[str] = BUSINESS_ROLES,
) -> None:
    """Refuse (403) unless `approver` is a second person with a business role for `act`."""
    if not approver_roles(approver, allowed):
        roles = "、".join(sorted(frozenset(allowed) - {"admin"}))
        raise ProblemError(403, "approver_role_required", act=act, roles=roles)
    if approver.subject in {m for m in makers if m is not None}:
        raise ProblemError(403, "four_eyes_required", act=act)


def require_business_role(*roles: str) -> Callable[..., Principal]:
    """Dependency for approval routes: one of `roles` is required, and admin is not enough."""
    wanted = frozenset(roles or BUSINESS_ROLES) - {"admin"}

    async def _check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.roles & wanted:
            roles = "、".join(sorted(wanted))
            raise ProblemError(403, "approver_role_required", act="审批", roles=roles)
        return principal

    return _check
