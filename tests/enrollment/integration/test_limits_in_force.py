"""Several limits read in one statement answer what reading each one alone answers."""

from datetime import date

import pytest

from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from shared.data.db import make_engine, make_session_factory
from shared.data.work import unit_of_work
from shared.problems import ProblemError

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEEMED = [
    LimitName.deemed_start_age,
    LimitName.deemed_index_min,
    LimitName.deemed_index_max,
    LimitName.deemed_approval_months,
]


async def test_limits_read_together_equal_each_read_alone_and_a_missing_one_is_named(
    database_url,
) -> None:
    engine = make_engine(database_url)
    try:
        async with unit_of_work(make_session_factory(engine), "enrollment") as work:
            session = work.session
            on = date(2020, 6, 1)
            together = await parameters.limits(session, DEEMED, on)
            alone = {name: await parameters.limit(session, name, on) for name in DEEMED}
            assert together == alone and list(together) == DEEMED
            with pytest.raises(ProblemError) as missing:
                await parameters.limits(session, DEEMED, date(1899, 12, 31))
            assert missing.value.code == "limit_missing"
            assert missing.value.extra["limit"] == "deemed_start_age"
    finally:
        await engine.dispose()
