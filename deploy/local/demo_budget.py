"""The seed's final accounts (武胜县机关事业单位养老保险局, 2019 derived and 2020), loaded
through the gateway's import API as a finance officer. Running it again adds nothing: each
year is imported only when the department does not have it yet.
"""

import json
from pathlib import Path

import httpx

from deploy.local.demo_progress import Phases, follow

SEED = Path(__file__).with_name("budget_wusheng_2020.json")


def _token(client: httpx.Client, user: str) -> dict[str, str]:
    r = client.post("/v1/auth/token", data={"username": user, "password": f"{user}-demo"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def load_budget_demo(client: httpx.Client, progress: Phases) -> dict[str, object]:
    """Import the seed's years not yet loaded; the department, its findings and report URL."""
    finance = _token(client, "finance")
    years = json.loads(SEED.read_text(encoding="utf-8"))["years"]
    listed = client.get("/v1/budget/departments", headers=finance)
    listed.raise_for_status()
    code = years[-1]["department"]["code"]
    have = {d["code"]: set(d["years"]) for d in listed.json()["items"]}.get(code, set())
    department_id = next((d["id"] for d in listed.json()["items"] if d["code"] == code), None)
    missing = [body for body in years if body["year"] not in have]
    with progress.phase("budget: final accounts imported", len(missing)) as bar:
        for body in missing:
            key = {"Idempotency-Key": f"demo-budget-{code}-{body['year']}"}
            answer = client.post("/v1/budget/imports", json=body, headers={**finance, **key})
            department_id = follow(client, answer)["department_id"]
            bar.advance()
    year = years[-1]["year"]
    base = f"/v1/budget/departments/{department_id}/years/{year}"
    findings: list[dict] = []
    while True:  # every page of the findings
        page = client.get(
            f"{base}/findings", headers=finance, params={"limit": 500, "offset": len(findings)}
        )
        page.raise_for_status()
        findings += page.json()["items"]
        if len(findings) >= page.json()["total"] or not page.json()["items"]:
            break
    counts = {s: sum(f["severity"] == s for f in findings) for s in ("error", "warning", "note")}
    return {
        "department": years[-1]["department"]["name"],
        "year": year,
        "findings": counts,
        "report": f"{base}/report",
    }
