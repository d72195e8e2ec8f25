"""The seed's final accounts loaded by the demo loader through the gateway, and its 2020
report, findings and workbook read back through the gateway."""

import httpx

from deploy.local.demo_budget import load_budget_demo
from tests.e2e.conftest import System, login


def test_the_seed_report_regenerated_through_the_gateway(system: System) -> None:
    with httpx.Client(base_url=system.gateway, timeout=60) as client:
        loaded = load_budget_demo(client)
        again = load_budget_demo(client)  # a second run imports nothing new
        assert loaded["findings"] == again["findings"]
        assert loaded["findings"]["error"] == 2  # the 4.90% growth and its second statement
        clerk = login(system.gateway, "clerk")
        listed = client.get("/v1/budget/departments", headers=clerk).json()
        assert [d["years"] for d in listed] == [[2019, 2020]]
        report = client.get(str(loaded["report"]), headers=clerk)
        assert report.status_code == 200 and "text/html" in report.headers["content-type"]
        assert "2020年度收入总计8677.03万元、支出总计8679.75万元" in report.text
        assert report.text.count('<figure class="chart"') == 7
        xlsx = client.get(str(loaded["report"]), params={"format": "xlsx"}, headers=clerk)
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
