"""The order xdist hands out test files: the longest first, so the two workers finish together.

`-n 2 --dist loadfile` gives a worker a whole file at a time, by default the files with the
most tests first. Test count is not run time: the one-test e2e files (the fault month, the
city) came last, and a worker could be left with a two-minute file while the other sat idle.
Longest-first is the classic answer to that; the weights are seconds measured in a full run
(2026-12-06, `--durations`, summed per file). A file not listed keeps its collection order
after them; a stale weight only moves a file in the queue, it never skips anything.
"""

import pytest

# Seconds per file in a loaded full run (load average 6-9 on 2 cores): only their order matters.
SECONDS = {
    "tests/e2e/test_masking_walk.py": 164,
    "tests/e2e/test_cluster_faults.py": 97,
    "tests/payout/integration/test_lives_property.py": 77,
    "tests/e2e/test_simulate_city.py": 67,
    "tests/fuzz/test_payout_api.py": 65,
    "tests/e2e/test_payout_demo.py": 49,
    "tests/fuzz/test_enrollment_api.py": 48,
    "tests/shared/integration/test_export_jobs.py": 42,
    "tests/fuzz/test_contribution_api.py": 34,
    "tests/payout/integration/test_differences.py": 32,
    "tests/shared/integration/test_offline_docs.py": 32,
    "tests/e2e/test_province_sync.py": 32,
    "tests/shared/integration/test_metrics.py": 30,
    "tests/payout/integration/test_payroll_crash.py": 29,
    "tests/shared/integration/test_downloads.py": 27,
    "tests/contribution/integration/test_four_eyes.py": 24,
    "tests/payout/integration/test_failed_lines.py": 22,
    "tests/shared/integration/test_upload_and_body_bounds.py": 22,
    "tests/e2e/test_supervisor.py": 21,
    "tests/enrollment/integration/test_money_matrix.py": 20,
    "tests/payout/integration/test_offsets.py": 20,
    "tests/e2e/test_bank_docs_client.py": 20,
    "tests/e2e/test_security.py": 20,
    "tests/e2e/test_retiree_life.py": 19,
}


def longest_first(items: list[pytest.Item]) -> None:
    """Reorder `items` in place: files by descending weight, each file's tests kept together
    and in their order (module-scoped fixtures are set up once)."""
    position = {}
    for item in items:
        position.setdefault(item.nodeid.split("::", 1)[0], len(position))

    def key(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::", 1)[0]
        return -SECONDS.get(path, 0), position[path]

    items.sort(key=key)


def keep_the_order(config: pytest.Config) -> None:
    """Have xdist hand out files in the collected order (not by their number of tests)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
