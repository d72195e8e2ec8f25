"""One-offs committed while payroll runs finish are never lost (issue #18, item 4).

The finish step used to insert the lines of the pending one-offs in one statement and mark
every pending one-off issued in the next: a one-off committed between the two was marked
issued with no payment line, and a death benefit or a subsidy quarter vanished.
"""

import asyncio
import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.payout.actors import PAYROLL
from services.payout.death import repository as one_offs
from services.payout.models import OneOff, PayrollRun
from services.payout.payroll import repository as runs
from services.payout.payroll import service
from shared.data.db import make_engine, make_session_factory
from shared.data.work import unit_of_work
from tests.enrollment.helpers import scalar

pytestmark = pytest.mark.asyncio(loop_scope="session")

ONE_OFFS = 400
WRITERS = 4


def one_off(n: int) -> OneOff:
    """A subsidy one-off of its own person (so one_off_once never refuses it)."""
    return OneOff(
        person_id=uuid.uuid4(),
        citizen_id=f"33052219600315{n:04d}",
        program="living_subsidy",
        period=date(2020, 1, 1),
        amount=Decimal("300.00") + n,
        bank_code="PSBC",
        account_number=f"62218800{n:08d}",
        account_name=f"补贴{n}",
        source="subsidy",
    )


async def test_one_offs_committed_while_runs_finish_each_get_exactly_one_line(platform) -> None:
    engine = make_engine(platform.database_url, pool_size=WRITERS + 2)
    sessions = make_session_factory(engine)
    writing = True

    async def write(first: int) -> None:
        # Each one-off committed on its own, as death benefits and subsidy queues do.
        for n in range(first, ONE_OFFS, WRITERS):
            async with unit_of_work(sessions, "payout") as work:
                await one_offs.insert_one_off(work.session, one_off(n))
            await asyncio.sleep(0)

    async def finish_runs() -> int:
        finished = 0
        while writing or finished == 0:
            async with unit_of_work(sessions, "payout") as work:
                run = await runs.insert_run(
                    work.session, PayrollRun(period=date(2020, 1, 1), created_by="test")
                )
            async with unit_of_work(sessions, "payout", PAYROLL) as work:
                await service.finish_run(work, run)
            finished += 1
        return finished

    try:
        finisher = asyncio.create_task(finish_runs())
        await asyncio.gather(*(write(w) for w in range(WRITERS)))
        writing = False
        finished = await finisher
        # A last run pays whatever was committed after the last claim.
        await finish_runs()
    finally:
        await engine.dispose()

    assert finished > 10, "the runs did not overlap the writers"
    assert await scalar(platform, "SELECT count(*) FROM payout.one_off") == ONE_OFFS
    assert (
        await scalar(platform, "SELECT count(*) FROM payout.one_off WHERE status <> 'issued'") == 0
    )
    # Every one-off has exactly one payment line, its own id, and no line is without one.
    assert (
        await scalar(
            platform,
            """SELECT count(*) FROM payout.one_off o
               WHERE (SELECT count(*) FROM payout.payment p WHERE p.id = o.id) <> 1""",
        )
        == 0
    )
    assert await scalar(platform, "SELECT count(*) FROM payout.payment") == ONE_OFFS
    expected = ONE_OFFS * Decimal("300.00") + sum(range(ONE_OFFS))
    assert await scalar(platform, "SELECT sum(amount) FROM payout.payment") == expected
