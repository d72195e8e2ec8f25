"""`Work.by`: the system's part of a caller's change, in the same transaction and request."""

from shared.data.work import SystemActor, Work


def test_by_keeps_the_transaction_and_request_and_changes_only_the_actor() -> None:
    caller = SystemActor("clerk-a", frozenset({"clerk"}))
    work = Work(session=object(), schema="payout", actor=caller, request_id="req-1")  # type: ignore[arg-type]
    bank = work.by(SystemActor("system:bank"))
    assert (bank.session, bank.schema, bank.request_id) == (work.session, "payout", "req-1")
    entry = bank.audit_entry("recovery.cleared", "recovery", 7, detail={"x": 1})
    assert (entry["actor"], entry["roles"], entry["request_id"]) == ("system:bank", [], "req-1")
    assert work.audit_entry("a", "b", 1)["actor"] == "clerk-a"  # the caller's own is unchanged
