"""The seed's final accounts loaded by the demo loader through the gateway, and its 2020
report, findings and workbook read back through the gateway, with a token or from a signed
link a browser opens with no header."""

import time

import httpx

from deploy.local.demo_budget import load_budget_demo
from deploy.local.demo_progress import Phases
from deploy.local.up import printable_link
from tests.e2e.conftest import SERVICE_CREDENTIAL, System, login

CREDENTIAL = {"X-Gateway-Credential": SERVICE_CREDENTIAL}


def test_the_seed_report_regenerated_through_the_gateway(system: System) -> None:
    with httpx.Client(base_url=system.gateway, timeout=60) as client:
        loaded = load_budget_demo(client, Phases())
        again = load_budget_demo(client, Phases())  # a second run imports nothing new
        assert loaded["findings"] == again["findings"]
        assert loaded["findings"]["error"] == 2  # the 4.90% growth and its second statement
        clerk = login(system.gateway, "clerk")
        listed = client.get("/v1/budget/departments", headers=clerk).json()["items"]
        assert [d["years"] for d in listed] == [[2019, 2020]]
        report = client.get(str(loaded["report"]), headers=clerk)
        assert report.status_code == 200 and "text/html" in report.headers["content-type"]
        assert "2020年度收入总计8677.03万元、支出总计8679.75万元" in report.text
        assert report.text.count('<figure class="chart"') == 7
        xlsx = client.get(str(loaded["report"]), params={"format": "xlsx"}, headers=clerk)
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def _link(system: System, headers: dict[str, str], path: str) -> httpx.Response:
    return httpx.post(f"{system.gateway}/v1/auth/links", json={"path": path}, headers=headers)


def test_the_report_opens_in_a_browser_from_a_signed_link(system: System) -> None:
    """What `make up` prints: a link a browser opens with no Authorization header."""
    with httpx.Client(base_url=system.gateway, timeout=60) as client:
        report = str(load_budget_demo(client, Phases())["report"])
        clerk = login(system.gateway, "clerk")
        link = _link(system, clerk, report)
        assert link.status_code == 200, link.text
        issued = link.json()
        assert issued["url"] == system.gateway + issued["path"]
        assert 0 < issued["expires_at"] - time.time() <= issued["expires_in"] == 300
        page = httpx.get(issued["url"])  # a browser: no token, no header
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "2020年度部门决算公开" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        # What `make up` prints is made the same way (deploy/local/up.py).
        token = clerk["Authorization"].removeprefix("Bearer ")
        printed = printable_link(system.gateway, token, report)
        assert httpx.get(printed["url"]).status_code == 200
        xlsx = _link(system, clerk, report + "?format=xlsx").json()
        assert httpx.get(xlsx["url"]).content[:2] == b"PK"

        # Changed, reused elsewhere or used for anything but reading a printable: refused.
        tampered = issued["url"].replace("/2020/", "/2019/")
        r = httpx.get(tampered)
        assert (r.status_code, r.json()["code"]) == (401, "link_invalid")
        assert r.json()["detail"] == "链接无效或已被改动，请重新获取打印链接。"
        r = httpx.get(tampered, headers={"Accept-Language": "en"})
        assert r.json()["detail"] == "The link is invalid or was changed; ask for a new link."
        r = httpx.get(issued["url"] + "&format=xlsx")
        assert (r.status_code, r.json()["code"]) == (401, "link_invalid")
        query = issued["path"].split("?", 1)[1]
        r = httpx.get(f"{system.gateway}/v1/budget/departments?{query}")
        assert (r.status_code, r.json()["code"]) == (403, "link_not_printable")
        r = httpx.post(issued["url"], json={})
        assert (r.status_code, r.json()["code"]) == (403, "link_not_printable")
        r = _link(system, clerk, "/v1/budget/departments")
        assert (r.status_code, r.json()["code"]) == (403, "link_not_printable")
        for bad in ("https://evil.example" + report, "//[" + report, report + "#top"):
            r = _link(system, clerk, bad)
            assert (r.status_code, r.json()["code"]) == (422, "link_path_invalid"), bad
        assert _link(system, {}, report).status_code == 401
        # A link carries its caller's roles: a bank cannot get one to a clerk's page.
        bank = httpx.post(
            f"{system.gateway}/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "bank-psbc",
                "client_secret": "bank-psbc-demo",
            },
        ).json()["access_token"]
        r = _link(system, {"Authorization": f"Bearer {bank}"}, report)
        assert (r.status_code, r.json()["code"]) == (403, "role_forbidden")

        # The service checks the link itself: past the gateway, a changed link still fails.
        service = system.apps["budget"].url
        direct = httpx.get(service + issued["path"], headers=CREDENTIAL)
        assert direct.status_code == 200
        r = httpx.get(service + tampered.removeprefix(system.gateway), headers=CREDENTIAL)
        assert (r.status_code, r.json()["code"]) == (401, "link_invalid")


def test_a_link_dies_with_the_token_it_came_from(system: System) -> None:
    with httpx.Client(base_url=system.gateway, timeout=60) as client:
        report = str(load_budget_demo(client, Phases())["report"])
    auditor = login(system.gateway, "auditor")
    url = _link(system, auditor, report).json()["url"]
    assert httpx.get(url).status_code == 200
    revoked = httpx.post(
        f"{system.gateway}/v1/auth/revocations",
        json={"subject": "auditor", "reason": "leaver"},
        headers=login(system.gateway, "admin"),
    )
    assert revoked.status_code == 201, revoked.text
    deadline = time.monotonic() + 5
    while (r := httpx.get(url)).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (r.status_code, r.json()["code"]) == (401, "token_revoked")
