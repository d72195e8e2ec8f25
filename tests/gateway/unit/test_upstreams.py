"""A service's replicas in turn, one that could not be reached tried last for a while, and
which calls may be sent again (gateway/upstreams.py)."""

import pytest

from gateway import upstreams
from gateway.upstreams import Upstreams, may_retry, replica_urls

A, B, C = "http://10.0.0.1:8103", "http://10.0.0.2:8103", "http://10.0.0.3:8103"


def test_a_setting_lists_one_or_several_replicas() -> None:
    assert replica_urls(A) == [A]
    assert replica_urls(f"{A}, {B},") == [A, B]
    pool = Upstreams({"payout": f"{A}/ignored-path,{B}"})
    assert "payout" in pool and "budget" not in pool and pool.in_turn("budget") is None
    assert dict(pool.all()) == {"payout": [A, B]}


def test_calls_take_the_replicas_in_turn() -> None:
    pool = Upstreams({"payout": f"{A},{B},{C}"})
    assert [pool.in_turn("payout") for _ in range(4)] == [
        [A, B, C],
        [B, C, A],
        [C, A, B],
        [A, B, C],
    ]


def test_an_unreachable_replica_is_tried_last_until_its_cool_off_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr(upstreams.time, "monotonic", lambda: now[0])
    pool = Upstreams({"payout": f"{A},{B}"}, cool_off_seconds=5)
    pool.unreachable(A)
    assert [pool.in_turn("payout") for _ in range(2)] == [[B, A], [B, A]]
    now[0] += 5.1
    assert [pool.in_turn("payout") for _ in range(2)] == [[A, B], [B, A]]


@pytest.mark.parametrize(
    ("method", "headers", "again"),
    [
        ("GET", [], True),
        ("PUT", [], True),
        ("DELETE", [], True),
        ("POST", [], False),
        ("PATCH", [], False),
        ("POST", [("idempotency-key", "k1")], True),
    ],
)
def test_only_calls_with_one_effect_are_sent_again(
    method: str, headers: list[tuple[str, str]], again: bool
) -> None:
    assert may_retry(method, headers) is again
