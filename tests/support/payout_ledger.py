"""Every line of a payout batch answered by its bank."""

from tests.enrollment.helpers import scalar
from tests.support.payout_banks import post_results


async def answer_every_line(client, platform, failing: set[str]) -> None:
    """The bank pays every outstanding line but those of the named account holders."""
    rows = await scalar(
        platform,
        "SELECT coalesce(string_agg(id::text || '=' || account_name, ','), '') "
        "FROM payout.payment WHERE status = 'sent'",
    )
    lines = []
    for pair in filter(None, str(rows).split(",")):
        ref, name = pair.split("=")
        failed = name in failing
        lines.append(
            {"reference": ref, "outcome": "failed", "reason_code": "account_closed"}
            if failed
            else {"reference": ref, "outcome": "paid"}
        )
    r = await post_results(client, platform, lines)
    assert r.status_code == 200, r.text
