"""Failed payout lines and the banks' answers."""

from tests.enrollment.helpers import scalar
from tests.support.payout_banks import post_results


async def answer(client, platform, failing: set[tuple[str, str]]) -> None:
    """The bank answers every outstanding line: those of (account name, program) fail."""
    rows = await scalar(
        platform,
        "SELECT coalesce(json_agg(json_build_array(id::text, account_name, program)), '[]') "
        "FROM payout.payment WHERE status = 'sent'",
    )
    lines = [
        {"reference": ref, "outcome": "failed", "reason_code": "account_frozen"}
        if (name, program) in failing
        else {"reference": ref, "outcome": "paid"}
        for ref, name, program in rows  # type: ignore[union-attr]
    ]
    if lines:
        r = await post_results(client, platform, lines)
        assert r.status_code == 200, r.text
