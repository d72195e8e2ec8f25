"""`changed_fields` (what an update changed) and the bounded log of refused attempts."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shared.data.audit import audit_row, changed_fields
from shared.http import denials
from shared.http.denials import DenialLog


@dataclass
class Unit:
    name: str
    floor: Decimal
    established_on: date | None


def test_changed_fields_lists_only_what_differs_money_and_dates_exact() -> None:
    before = Unit("甲", Decimal("1234.50"), date(2001, 1, 1))
    after = {"name": "乙", "floor": Decimal("1234.5"), "established_on": "2001-01-01"}
    assert changed_fields(before, after, ["name", "floor", "established_on"]) == {
        "name": {"before": "甲", "after": "乙"}
    }
    assert changed_fields({"floor": Decimal("1.00")}, {"floor": Decimal("1.01")}, ["floor"]) == {
        "floor": {"before": "1.00", "after": "1.01"}  # exact strings, never floats
    }
    assert changed_fields({}, {"established_on": date(2020, 2, 29)}, ["established_on"]) == {
        "established_on": {"before": None, "after": "2020-02-29"}
    }


def test_an_entry_keeps_the_changes_in_its_detail() -> None:
    row = audit_row(
        actor="a",
        roles={"clerk", "admin"},
        action="unit.updated",
        object_type="unit",
        object_id=7,
        detail={"reason": "r"},
        changes={"name": {"before": "甲", "after": "乙"}},
    )
    assert row["roles"] == ["admin", "clerk"] and row["object_id"] == "7"
    assert row["detail"] == {"reason": "r", "changes": {"name": {"before": "甲", "after": "乙"}}}


class _Route:
    path = "/v1/x/{id}"


def _scope(path: str = "/v1/x/1") -> dict[str, Any]:
    return {"method": "POST", "path": path, "route": _Route()}


async def test_repeated_refusals_are_one_entry_a_minute_with_the_repeats_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written: list[dict[str, Any]] = []

    async def write(row: dict[str, Any]) -> None:
        written.append(row)

    now = [0.0]
    monkeypatch.setattr(denials.time, "monotonic", lambda: now[0])
    log = DenialLog(write)
    call = {"actor": "u", "roles": ["clerk"], "status": 403, "code": "role_forbidden"}
    results = [await log.record(_scope(), request_id=f"r{i}", **call) for i in range(5)]
    assert results == [True, False, False, False, False]
    assert written[0]["object_id"] == "POST /v1/x/{id}" and written[0]["request_id"] == "r0"
    # Another caller is not held back by the first one's repeats.
    assert await log.record(_scope(), request_id="o", **{**call, "actor": "v"})
    now[0] = 61.0  # the next minute: one entry again, saying how many were not written
    assert await log.record(_scope(), request_id="r5", **call)
    assert written[-1]["detail"]["repeats_before"] == 4


async def test_a_refusal_is_answered_even_if_its_entry_cannot_be_written() -> None:
    async def broken(row: dict[str, Any]) -> None:
        raise ConnectionError("database down")

    log = DenialLog(broken)
    call = {"actor": "u", "roles": [], "status": 403, "code": "role_forbidden"}
    assert await log.record(_scope(), request_id=None, **call) is False
