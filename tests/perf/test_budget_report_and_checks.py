"""Budget benchmarks (issue #12): the full report (HTML + XLSX) of one department-year
(target ≤ 1 s) and the consistency checks over 1,000 department-years (target ≤ 10 s)."""

import random
import statistics
import time
from decimal import Decimal

import pytest

from services.budget.domain.checker import check
from services.budget.domain.document import Line, YearDocument
from services.budget.main import create_app
from tests.budget.integration.helpers import load_seed, seed_years
from tests.conftest import auth_headers


@pytest.mark.asyncio(loop_scope="session")
async def test_full_report_html_and_xlsx(platform, start_apps, bench_report) -> None:
    (client,) = await start_apps(create_app(platform))
    department_id = await load_seed(client, platform)
    url = f"/v1/budget/departments/{department_id}/years/2020/report"
    headers = auth_headers(platform, "clerk")
    await client.get(url, headers=headers)  # templates compiled, code tables cached by PG
    times = []
    for _ in range(10):
        start = time.perf_counter()
        html = await client.get(url, headers=headers)
        xlsx = await client.get(url, params={"format": "xlsx"}, headers=headers)
        times.append(time.perf_counter() - start)
        assert html.status_code == 200 and xlsx.status_code == 200
    bench_report(
        "budget report html+xlsx (one department-year, in-process, with database)",
        runs=len(times),
        median_s=round(statistics.median(times), 3),
        max_s=round(max(times), 3),
        html_kb=len(html.content) // 1024,
        xlsx_kb=len(xlsx.content) // 1024,
    )


def variant(base: YearDocument, rng: random.Random, n: int) -> YearDocument:
    """The seed with its amounts scaled: same statements, so some now contradict the lines."""
    factor = Decimal(rng.randint(80, 120)) / 100
    parts = {
        part: [
            Line(code=x.code, budget=x.budget, actual=(x.actual * factor).quantize(Decimal("0.01")))
            for x in base.lines(part)
        ]
        for part in ("income", "expenditure", "functional", "economic")
    }
    department = {"code": f"dept-{n}", "name": f"部门{n}", "county": "武胜县"}
    return base.model_copy(update={**parts, "department": department})


def test_checks_over_1000_department_years(bench_report) -> None:
    prior, current = (YearDocument.model_validate(y) for y in seed_years())
    rng = random.Random(12)
    docs = [variant(current, rng, n) for n in range(1000)]
    start = time.perf_counter()
    findings = [check(doc, prior) for doc in docs]
    elapsed = time.perf_counter() - start
    bench_report(
        "budget consistency checks over 1,000 department-years (checker only, in memory)",
        department_years=len(docs),
        statements_each=len(current.statements),
        total_s=round(elapsed, 2),
        findings=sum(len(f) for f in findings),
    )
