"""Every "today" in the code is the agency's (Beijing) date, never the server clock's zone."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.data.clock import agency_today

ROOT = Path(__file__).resolve().parents[2]
SERVER_DATE = re.compile(r"date\.today\(\)|datetime\.now\([^)]*\)\.date\(\)")


def test_no_code_reads_the_server_clocks_date() -> None:
    """`date.today()` on a UTC server is yesterday in Beijing from 16:00 to 24:00 UTC."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("services", "shared", "gateway")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SERVER_DATE.search(line) and path.name != "clock.py"
    ]
    assert offenders == []


def test_agency_today_is_the_date_in_beijing() -> None:
    """UTC+8 whatever the process's zone; retried once should the test straddle midnight."""
    for _ in range(2):
        expected = (datetime.now(UTC) + timedelta(hours=8)).date()
        if agency_today() == expected:
            return
    raise AssertionError("agency_today() is not Beijing's date")
