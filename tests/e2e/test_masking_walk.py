"""The masking walk (issue #17, item 3): as finance and as auditor, every GET route of every
service and of the gateway, downloads and printables included, over persons, retirees, a
survivor and bank accounts. No answer holds a full citizen id, a full account number or a
full birth date, and what the answers show of an id together cannot rebuild it.

The secrets are harvested from the same walk done as a clerk (who sees everything in full),
so a route or a field added later is covered without being listed here.
"""

import calendar
import csv
import io
import itertools
import json
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from deploy.local.demo import PoliteClient, demo_credit_code
from deploy.local.demo_payout import load_payout_demo
from deploy.local.demo_progress import Phases
from shared.data.ids import citizen_check_char
from shared.redaction import FieldKind, kind_of_key
from tests.e2e import downloads_compare
from tests.e2e.conftest import SERVICES, System, login
from tests.enrollment.helpers import citizen_id
from tests.job_wait import wait_for_job_sync

YEAR = 2020
# Retirees (born 1955, retired 2015) for the payout demo; active persons (born 1985) for
# contribution. Days differ so that every birth date is a distinct secret.
RETIREES = [(f"195501{11 + n:02d}", f"6{n}{1 + n % 2}") for n in range(6)]
ACTIVE = [(f"198507{11 + n:02d}", f"7{n}{1 + n % 2}") for n in range(4)]
# Candidate ids left, assuming the birth year AND month are known (a retirement date can
# betray the month): area prefix + last four would leave ~3, the policy's last two ~270.
MIN_CANDIDATES = 100
# GETs sent at once by a walk: they only read, and a few in flight keep the gateway, the four
# services and the database busy together instead of in turn (the walks were most of the
# module's three minutes).
WALKERS = 4
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QUERY_VALUES = {
    "on": f"{YEAR}-12-31",
    "as_of": f"{YEAR}-12-31",
    "period": f"{YEAR}-03",
    "year": str(YEAR),
    "county": "demo",
}


@dataclass
class Seeded:
    """What the walk is done over."""

    ids: set[str]
    persons: dict[str, str]  # person id -> citizen id
    pools: dict[str, list[str]] = field(default_factory=dict)


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, (r.request.method, r.request.url, r.status_code, r.text)
    return r.json()


def _wait(predicate, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"{what} did not happen in {seconds} s"
        time.sleep(0.3)


def _seed(system: System) -> Seeded:
    clerk, clerk2 = login(system.gateway, "clerk"), login(system.gateway, "clerk2")
    persons: dict[str, str] = {}
    with httpx.Client(base_url=system.gateway, headers=clerk, timeout=60) as gw:
        unit = _ok(
            gw.post(
                "/v1/enrollment/units",
                headers=_key(),
                json={
                    "credit_code": demo_credit_code(71),
                    "name": "县档案馆",
                    "funding_type": "full",
                },
            )
        )
        for n, (birth, seq) in enumerate(RETIREES + ACTIVE):
            retiree = n < len(RETIREES)
            cid = citizen_id(birth=birth, seq=seq)
            person = _ok(
                gw.post(
                    "/v1/enrollment/persons",
                    headers=_key(),
                    json={
                        "citizen_id": cid,
                        "name": f"{'退休' if retiree else '在职'}{n}",
                        "unit_id": unit["id"],
                        "staff_category": "civil_servant" if retiree else "worker",
                        "joined_on": "1980-07-01" if retiree else "2010-01-01",
                    },
                )
            )
            persons[person["id"]] = cid
            if retiree:
                _ok(
                    gw.post(
                        f"/v1/enrollment/persons/{person['id']}/retirement",
                        headers=_key(),
                        json={
                            "retired_on": f"2015-0{2 + n % 3}-01",
                            "deemed_months": 290,
                            "deemed_index": "1.1000",
                            "deemed_document": f"人事档案 MASK-{n}",
                            "bank_account": {
                                "bank_code": "PSBC",
                                "account_number": f"62218871{n:08d}",
                                "account_name": f"退休{n}",
                            },
                        },
                    )
                )
        _wait(
            lambda: (
                gw.get("/v1/payout/determinations", params={"limit": 1}).json()["total"]
                >= len(RETIREES)
            ),
            "retirements reaching payout",
        )
        active = {p: c for p, c in persons.items() if c[6:10] == "1985"}
        _wait(
            lambda: (
                gw.get("/v1/contribution/roster/persons", params={"unit_id": unit["id"]}).json()[
                    "total"
                ]
                >= len(persons)
            ),
            "persons reaching contribution",
        )
        declaration = _ok(
            gw.post(
                "/v1/contribution/declarations",
                headers=_key(),
                json={
                    "unit_id": unit["id"],
                    "year": YEAR,
                    "lines": [
                        {"citizen_id": c, "name": f"在职{i}", "wage": "6000.00"}
                        for i, c in enumerate(active.values())
                    ],
                },
            )
        )
        did = declaration["id"]
        _ok(gw.post(f"/v1/contribution/declarations/{did}/submit", headers=_key()))
        _ok(
            gw.post(
                f"/v1/contribution/declarations/{did}/approve",
                headers={**clerk2, **_key()},
                json={"note": "核定"},
            )
        )
        first = next(iter(active.values()))
        _ok(
            gw.post(
                f"/v1/contribution/declarations/{did}/adjustments",
                headers=_key(),
                json={
                    "citizen_id": first,
                    "name": "在职0",
                    "wage": "6500.00",
                    "from_month": 7,
                    "reason": "工资调整",
                },
            )
        )
        job = wait_for_job_sync(
            gw,
            gw.post(
                "/v1/contribution/plans/generate",
                headers=_key(),
                json={"period": f"{YEAR}-01", "unit_ids": [unit["id"]]},
            ),
            _key(),
        )
        assert job["state"] == "succeeded", job
        _ok(
            gw.post(
                "/v1/contribution/audits",
                headers=_key(),
                json={"unit_id": unit["id"], "year": YEAR},
            )
        )
    with PoliteClient(base_url=system.gateway, timeout=300) as client:
        # Payroll, bank results, account changes, a death, a survivor.
        load_payout_demo(client, Phases())
    return Seeded(ids=set(persons.values()), persons=persons)


@pytest.fixture(scope="module")
def seeded(system: System) -> Seeded:
    """The system with persons, retirees, a survivor and accounts, and the id pools."""
    return _seed(system)


@dataclass
class Route:
    """One GET operation of one service's OpenAPI."""

    path: str
    params: list[dict[str, Any]]


def _schema_enum(param: dict[str, Any], spec: dict[str, Any]) -> list[str] | None:
    schema = param.get("schema", {})
    for variant in [schema, *schema.get("anyOf", [])]:
        if "$ref" in variant:
            variant = spec["components"]["schemas"][variant["$ref"].rsplit("/", 1)[-1]]
        if "enum" in variant:
            return [str(v) for v in variant["enum"]]
    return None


def get_routes(gateway: str) -> Iterator[tuple[Route, dict[str, Any]]]:
    """Every GET route of the whole system's OpenAPI, as the gateway merges it: the four
    services' and the gateway's own (health and docs left out)."""
    spec = httpx.get(f"{gateway}/openapi.json", timeout=30).json()
    for path, ops in spec["paths"].items():
        if "get" in ops and path.startswith("/v1/"):
            yield Route(path, ops["get"].get("parameters", [])), spec


def _id_pools(gw: httpx.Client, seeded: Seeded) -> dict[str, list[str]]:
    """Values for path parameters, taken from list answers."""

    def items(path: str, **params: object) -> list[dict]:
        r = gw.get(path, params=params)
        if r.status_code != 200:
            return []
        body = r.json()
        return body["items"] if isinstance(body, dict) and "items" in body else body

    batches = items("/v1/payout/batches", limit=500)
    one_per_program = {b["program"]: b["id"] for b in batches}
    return {
        "person_id": sorted(seeded.persons),
        "unit_id": sorted({u["id"] for u in items("/v1/enrollment/units", limit=500)}),
        "year": [str(YEAR)],
        "kind": ["basic", "annuity_funded", "annuity_notional"],
        "declaration_id": [d["id"] for d in items("/v1/contribution/declarations", limit=50)],
        "plan_id": [p["id"] for p in items("/v1/contribution/plans", limit=20)],
        "audit_id": [a["id"] for a in items("/v1/contribution/audits")],
        "determination_id": [d["id"] for d in items("/v1/payout/determinations", limit=20)],
        "run_id": [r["id"] for r in items("/v1/payout/payroll-runs", limit=3)],
        "batch_id": sorted(set(one_per_program.values())),
        "bank_id": ["bank-psbc"],
        "department_id": [d["id"] for d in items("/v1/budget/departments")][:2],
    }


def _calls(route: Route, spec: dict[str, Any], pools: dict[str, list[str]]) -> list[str]:
    """Every URL to call for a route: each filled path, each download format."""
    path_params = [p for p in route.params if p["in"] == "path"]
    choices = []
    for p in path_params:
        values = _schema_enum(p, spec) or pools.get(p["name"]) or []
        if not values:
            return []  # nothing to fill it with (no such object in the data)
        choices.append([(p["name"], v) for v in values])
    query = {}
    formats = [None]
    for p in route.params:
        if p["in"] != "query":
            continue
        if p["name"] == "format":
            # The answer without the parameter, then every file it offers (JSON is the first).
            offered = _schema_enum(p, spec) or ["csv", "xlsx", "html"]
            formats = [None, *(f for f in offered if f != "json")]
        elif p.get("required") and p["name"] in QUERY_VALUES:
            query[p["name"]] = QUERY_VALUES[p["name"]]
    urls = []
    for combo in itertools.product(*choices):
        path = route.path
        for name, value in combo:
            path = path.replace("{" + name + "}", value)
        for fmt in formats:
            params = {**query, **({"format": fmt} if fmt else {})}
            urls.append(str(httpx.URL(path, params=params)) if params else path)
    return urls


def answer_text(r: httpx.Response) -> str:
    """An answer as text: JSON, CSV and HTML as they are, a workbook's every cell."""
    if r.headers.get("content-type", "").startswith(XLSX) or r.content[:2] == b"PK":
        book = load_workbook(io.BytesIO(r.content), read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return r.text


def walk(system: System, seeded: Seeded, user: str) -> dict[str, httpx.Response]:
    """Every GET of every service and of the gateway, as one user."""
    headers = login(system.gateway, user)
    with httpx.Client(base_url=system.gateway, headers=headers, timeout=60) as gw:
        urls = [
            url
            for route, spec in get_routes(system.gateway)
            for url in _calls(route, spec, seeded.pools)
        ]
        with ThreadPoolExecutor(WALKERS) as pool:
            answers = dict(zip(urls, pool.map(gw.get, urls), strict=True))
    assert {u.split("/")[2] for u in answers} >= {*SERVICES, "auth"}, "a service was not walked"
    return answers


def harvest(answers: dict[str, httpx.Response]) -> dict[FieldKind, set[str]]:
    """Every value under an id-revealing key in JSON answers (the clerk's are in full)."""
    found: dict[FieldKind, set[str]] = {k: set() for k in FieldKind}

    def visit(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                visit(v, k)
        elif isinstance(node, list):
            for v in node:
                visit(v, key)
        elif isinstance(node, str) and (kind := kind_of_key(key)) is not None:
            found[kind].add(node)

    for r in answers.values():
        if r.status_code == 200 and r.headers.get("content-type", "").startswith(
            "application/json"
        ):
            visit(r.json())
    return found


def candidates(true_id: str, shown: dict[int, str]) -> int:
    """Ids consistent with the characters shown, the birth year and month taken as known."""
    year, month = int(true_id[6:10]), int(true_id[10:12])
    count = 0
    for day in range(1, calendar.monthrange(year, month)[1] + 1):
        for seq in range(1000):
            first17 = f"{true_id[:6]}{year}{month:02d}{day:02d}{seq:03d}"
            if any(first17[i] != c for i, c in shown.items() if i < 17):
                continue
            if 17 in shown and citizen_check_char(first17) != shown[17]:
                continue
            count += 1
    return count


MASKED_TOKEN = re.compile(r"(?<![0-9A-Za-z*])[0-9Xx*]{18}(?![0-9A-Za-z*])")


# Three callers walk every GET, each list also as CSV and as XLSX: minutes, not seconds.
@pytest.mark.timeout(600)
def test_finance_and_auditors_see_no_id_account_or_birth_date_anywhere(
    system: System, seeded: Seeded
) -> None:
    with httpx.Client(base_url=system.gateway, headers=login(system.gateway, "clerk")) as gw:
        seeded.pools = _id_pools(gw, seeded)
    full = walk(system, seeded, "clerk")
    secrets = harvest(full)
    ids = {v.upper() for v in secrets[FieldKind.citizen_id] if "*" not in v} | seeded.ids
    accounts = {v for v in secrets[FieldKind.account_number] if "*" not in v}
    births = {v for v in secrets[FieldKind.birth_date] if "*" not in v}
    births |= {v.replace("-", "") for v in births}
    # The clerk's walk really saw the secrets it looks for (else the walk proves nothing).
    assert seeded.ids <= ids and len(accounts) >= len(RETIREES) + 1, (ids, accounts)
    assert len(births) >= 2 * len(seeded.ids), births
    assert "330522199001011231" in " ".join(answer_text(r) for r in full.values())  # survivor

    for user in ("finance", "auditor"):
        answers = walk(system, seeded, user)
        read = [u for u, r in answers.items() if r.status_code == 200]
        for must in (
            "/v1/enrollment/persons",
            "/v1/payout/retirees",
            "/v1/payout/retirees?format=xlsx",
            "/v1/payout/one-offs",
            f"/v1/contribution/declarations/{seeded.pools['declaration_id'][0]}/lines",
        ):
            assert must in read, (user, must, answers[must].status_code)
        if user == "auditor":
            assert any(u.endswith("/html") for u in read), "no printable was walked"
            assert "/v1/payout/audit-log" in read
        else:
            assert any("format=xlsx" in u or "format=csv" in u for u in read), read
        leaks = []
        shown: dict[str, dict[int, str]] = {cid: {} for cid in seeded.ids}
        for url, r in answers.items():
            assert r.status_code < 500, (user, url, r.text)
            text = answer_text(r)
            upper = text.upper()
            leaks += [(url, s) for s in ids if s in upper]
            leaks += [(url, s) for s in accounts | births if s in text]
            for token in MASKED_TOKEN.findall(upper):
                for cid, revealed in shown.items():
                    if all(c in ("*", cid[i]) for i, c in enumerate(token)):
                        revealed.update({i: c for i, c in enumerate(token) if c != "*"})
        assert not leaks, (user, leaks[:20])
        assert all(revealed for revealed in shown.values()), "masked ids were not shown at all"
        fewest = min(candidates(cid, revealed) for cid, revealed in shown.items())
        assert fewest >= MIN_CANDIDATES, (user, fewest)


def _download(
    gw: httpx.Client, base: str, paged: bool
) -> tuple[httpx.Response, dict[str, bytes]] | None:
    """A list's JSON answer and its CSV and XLSX files; None if this caller may not read it
    (the masking walk checks that)."""
    answer = gw.get(base, params={"limit": 500} if paged else {})
    if answer.status_code != 200:
        return None
    files = {}
    for kind in ("csv", "xlsx"):
        r = gw.get(base, params={"format": kind})
        assert r.status_code == 200, (base, kind, r.text)
        assert "filename*=UTF-8''" in r.headers["content-disposition"]
        files[kind] = r.content
    return answer, files


def test_no_log_line_of_any_process_holds_an_id_account_or_birth_date(
    system: System, seeded: Seeded
) -> None:
    assert system.logs is not None
    text = "\n".join(p.read_text(errors="replace") for p in system.logs.glob("*.log"))
    secrets = seeded.ids | {c[6:14] for c in seeded.ids}
    secrets |= {f"{c[6:10]}-{c[10:12]}-{c[12:14]}" for c in seeded.ids}
    secrets |= {f"62218871{n:08d}" for n in range(len(RETIREES))} | {"6221889900000001"}
    assert not [s for s in secrets if s in text.upper()], json.dumps(sorted(secrets))


# Lists that the seeded county fills: their downloads must hold rows, not only a header.
FILLED_LISTS = {
    "/v1/enrollment/units",
    "/v1/enrollment/persons",
    "/v1/contribution/plans",
    "/v1/contribution/declarations/{declaration_id}/lines",
    "/v1/payout/retirees",
    "/v1/payout/ledger/{year}",
    "/v1/payout/batches",
}


@pytest.mark.timeout(600)
def test_every_list_downloads_as_its_json_answers_for_clerk_and_finance(
    system: System, seeded: Seeded
) -> None:
    """Every GET with a `format` download, as CSV and as XLSX, read back and compared with
    the JSON answer of the same caller: Chinese headings, the same rows, masked alike."""
    with httpx.Client(base_url=system.gateway, headers=login(system.gateway, "clerk")) as gw:
        seeded.pools = _id_pools(gw, seeded)
    spec = httpx.get(f"{system.gateway}/openapi.json", timeout=30).json()
    labels: dict[str, set[str]] = {}
    with httpx.Client(base_url=system.gateway, headers=login(system.gateway, "clerk")) as gw:
        for service in SERVICES:
            tables = gw.get(f"/v1/{service}/code-tables")
            for table in tables.json().values() if tables.status_code == 200 else ():
                for value, label in table.items():
                    labels.setdefault(value, set()).add(label)
        # An enum (here the person's status) is shown as its label, as the code table says.
        statuses = gw.get("/v1/enrollment/code-tables").json()["person_status"]
        persons = gw.get("/v1/enrollment/persons", params={"limit": 500}).json()["items"]
        sheet = gw.get("/v1/enrollment/persons", params={"format": "csv"}).content
        read = list(csv.DictReader(io.StringIO(sheet.decode("utf-8-sig"))))
        assert sorted(r["参保状态"] for r in read) == sorted(statuses[p["status"]] for p in persons)
        assert all(downloads_compare.CJK.search(r["参保状态"]) for r in read), read[:2]
    compared, filled = 0, set()
    for user in ("clerk", "finance"):
        headers = login(system.gateway, user)
        with httpx.Client(base_url=system.gateway, headers=headers, timeout=60) as gw:
            lists = []  # (route, its tables, url, paged?)
            for route, _ in get_routes(system.gateway):
                fmt = next((p for p in route.params if p["name"] == "format"), None)
                if fmt is None or set(_schema_enum(fmt, spec) or ()) != {"json", "csv", "xlsx"}:
                    continue  # not a list download (a bank file, a printable report)
                operation = spec["paths"][route.path]["get"]
                tables = [
                    (downloads_compare.columns(schema, spec), key)
                    for schema, key in downloads_compare.row_schemas(operation, spec)
                ]
                paged = any(p["name"] == "limit" for p in route.params)
                for url in _calls(route, spec, seeded.pools):
                    if "format=" in url:
                        continue  # each file is asked for beside the JSON (_download)
                    lists.append((route, tables, url, paged))
            with ThreadPoolExecutor(WALKERS) as pool:
                downloads = list(pool.map(lambda w: _download(gw, w[2], w[3]), lists))
            for (route, tables, base, paged), downloaded in zip(lists, downloads, strict=True):
                if downloaded is None:
                    continue
                answer, files = downloaded
                heading = downloads_compare.header(files["csv"])
                [(cols, key)] = [t for t in tables if [c[1] for c in t[0]] == heading]
                body = answer.json()
                rows = body if key is None else body[key]
                while paged and key == "items" and len(rows) < body["total"]:
                    more = gw.get(base, params={"limit": 500, "offset": len(rows)}).json()
                    assert more["items"], base  # the pages hold the total, no fewer
                    rows = [*rows, *more["items"]]
                assert not paged or key != "items" or body["total"] == len(rows), base
                downloads_compare.compare(rows, cols, files["csv"], files["xlsx"], labels, base)
                compared += 1
                if rows:
                    filled.add(route.path)
    assert compared >= 100, compared  # some 60 lists, each for two callers
    assert FILLED_LISTS <= filled, FILLED_LISTS - filled
