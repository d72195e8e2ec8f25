"""A month of payout lines for the bank tests."""

from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import retire, retirement, review, run_payroll


async def month_of_lines(client, platform) -> dict[str, str]:
    """Two PSBC retirees and one ICBC retiree paid for April 2025: {name: reference}."""
    for n, bank in ((81, "PSBC"), (82, "PSBC"), (83, "ICBC")):
        [d] = await retire(client, platform, retirement(n, bank_code=bank))
        await review(client, platform, d["id"])
    await run_payroll(client, platform, "2025-04")
    rows = await scalar(
        platform,
        "SELECT string_agg(account_name || '=' || id::text, ',') FROM payout.payment "
        "WHERE program = 'basic_pension'",
    )
    return dict(pair.split("=") for pair in str(rows).split(","))
