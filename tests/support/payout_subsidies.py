"""Quarterly subsidy runs and their lines."""

from tests.conftest import auth_headers
from tests.enrollment.helpers import scalar
from tests.job_wait import finished
from tests.payout.integration.helpers import key


async def run_quarter(client, platform, quarter: str) -> dict:
    """Run a quarter's subsidies (a job) and answer the finished job."""
    r = await finished(
        client,
        await client.post(
            "/v1/payout/subsidy-runs",
            headers=auth_headers(platform, "clerk") | key(),
            json={"quarter": quarter},
        ),
    )
    assert r.status_code in (200, 201, 202), r.text
    return r.json()


async def subsidy_lines(platform, person: str) -> str:
    """The person's subsidy one-offs: quarter start and status."""
    return await scalar(
        platform,
        "SELECT string_agg(to_char(period, 'YYYY-MM') || ' ' || status, ',' ORDER BY period) "
        f"FROM payout.one_off WHERE person_id = '{person}' AND source = 'subsidy'",
    )
