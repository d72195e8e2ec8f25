"""A city through one month on the cluster (issue #23 item 5): `make simulate-city` at
PENSION_CITY_SCALE (1.0: 1,500 units, 150,000 insured, 50,000 retirees), each step's wall
time and events per second printed (and written to city-month.json in the test's dir)."""

import json
import os
import subprocess
import sys

import pytest

from deploy.local.processes import ROOT

pytestmark = pytest.mark.timeout(4 * 3600)
SCALE = float(os.environ.get("PENSION_CITY_SCALE", "1.0"))


def test_a_city_month_on_the_cluster(tmp_path, bench_report) -> None:
    out = tmp_path / "city-month.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "deploy.local.simulate_city",
            "--scale",
            str(SCALE),
            "--out",
            str(out),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=ROOT,
        check=True,
    )
    report = json.loads(out.read_text())
    assert all(c["ok"] for c in report["checks"].values()), report["checks"]
    for step in report["steps"]:
        bench_report(
            f"city_month scale={SCALE} {step['step']}",
            seconds=step["seconds"],
            items=step["items"],
            per_s=step["items_per_s"],
            events_written_per_s=step["events_published_per_s"],
            events_applied_per_s=step["events_processed_per_s"],
        )
    bench_report("city_month", total_s=report["total_seconds"], load=report["load_average"])
