"""The one four-eyes rule: a second, different person with a business role; admin never counts."""

import pytest

from shared.http.auth import Principal
from shared.http.four_eyes import may_approve, require_second_person
from shared.problems import ProblemError


def who(subject: str, *roles: str) -> Principal:
    return Principal(subject=subject, roles=frozenset(roles), token_id="t")


def test_a_second_clerk_approves_a_clerks_act() -> None:
    assert may_approve(who("clerk2", "clerk"), "clerk")
    require_second_person(who("clerk2", "clerk"), "clerk", act="死亡待遇")


def test_the_maker_never_approves_even_with_other_roles() -> None:
    me = who("clerk", "clerk", "finance", "admin")
    assert not may_approve(me, "clerk")
    with pytest.raises(ProblemError) as refused:
        require_second_person(me, None, "clerk", act="退保")
    assert (refused.value.status, refused.value.code) == (403, "four_eyes_required")


def test_admin_is_not_a_second_pair_of_eyes() -> None:
    admin = who("admin", "admin")
    assert not may_approve(admin, "clerk")
    with pytest.raises(ProblemError) as refused:
        require_second_person(admin, "clerk", act="补贴")
    assert (refused.value.status, refused.value.code) == (403, "approver_role_required")


def test_an_act_can_name_its_approving_roles() -> None:
    clerk2 = who("clerk2", "clerk")
    assert not may_approve(clerk2, "finance", allowed={"finance"})
    assert may_approve(who("fin", "finance"), "clerk", allowed={"finance", "admin"})
    assert not may_approve(who("admin", "admin"), "clerk", allowed={"finance", "admin"})


def test_read_only_roles_never_approve() -> None:
    assert not may_approve(who("aud", "auditor"), "clerk")
    assert not may_approve(who("bank", "bank"), "clerk")
