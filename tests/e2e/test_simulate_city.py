"""`make simulate-city` end to end at a tiny scale: a month of a small city, exactly right."""

import json
import subprocess
import sys

import pytest

from deploy.local import city_data
from deploy.local.processes import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
SCALE = 0.005


def test_a_tiny_city_goes_through_its_month_exactly(tmp_path) -> None:
    out = tmp_path / "city.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "deploy.local.simulate_city",
            "--scale",
            str(SCALE),
            "--single",
            "--out",
            str(out),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=ROOT,
        check=True,
        timeout=280,
    )
    report = json.loads(out.read_text())
    units, insured, retirees = city_data.sizes(SCALE)
    assert (report["units"], report["insured"], report["retirees"]) == (units, insured, retirees)
    # Every retiree paid once, every unit's receipt recorded once though the bank sent its
    # post twice, every insured person credited, the province read every change.
    assert {name: c["ok"] for name, c in report["checks"].items()} == {
        "payments = retirees": True,
        "ledger paid count": True,
        "ledger paid amount": True,
        "receipts recorded once": True,
        "received = due": True,
        "accounts credited": True,
        "province read every change": True,
    }
    assert report["checks"]["payments = retirees"]["actual"] == str(retirees)
    assert report["checks"]["receipts recorded once"]["actual"] == str(units)
    steps = {s["step"]: s for s in report["steps"]}
    assert steps["bank receipts"]["events_published"] == units  # one credit event a unit
    assert steps["province feed to the end"]["items"] > insured + retirees
