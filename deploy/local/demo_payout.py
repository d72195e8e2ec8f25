"""The demo county's 2020 payouts, loaded through the gateway like clerks and a bank would.

Every retiree's determination gets its old-method standard (all retired in the transition
period), 审核 by one clerk and 复核 by another; every money act of one user (a subsidy
entitlement, the death benefits) is approved by a second one (clerk2). Everyone is certified
by the province's yearly data match (its batches of 数据比对认证, as the province sends them)
except a dozen, who are suspended and certified in June (clerk2 approves their resumption;
back pay in July). Living subsidies run quarterly. Each month's
payroll runs, the bank posts its results (a few accounts closed; the accounts are corrected,
approved by a second clerk and the lines re-issued the month after). One retiree dies in
August: September's payment is recovered and the death benefits are paid. Everything is
keyed deterministically, so a second run changes nothing.

A retiree's own steps (standard, both reviews, subsidy) need nothing but that retiree, so
`PayoutYear` starts them as soon as enrollment has retired the person, while the rest of the
county still loads; the year's shared steps (the data match, the suspension run, the twelve
months) wait for every retiree's.
"""

import csv
import io
import json
import random
import threading
import time
from collections.abc import Collection, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import httpx

from deploy.local.demo import county_retirees, report_death
from deploy.local.demo_progress import Bar, Phases, each, follow
from services.payout.config import get_settings
from shared.data.clock import agency_today
from shared.http.bank_signature import sign
from shared.http.inbound import MAX_BATCH_ITEMS

BANK = "bank-psbc"
PROVINCE = "province"
YEAR = 2020
UNCERTIFIED = 12
FAILING_PER_MONTH = 3


def _token(client: httpx.Client, data: dict[str, str]) -> dict[str, str]:
    r = client.post("/v1/auth/token", data=data)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _ok(r: httpx.Response) -> dict:
    if r.status_code >= 400 and r.status_code != 409:
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}")
    return r.json()


def _done(client: httpx.Client, r: httpx.Response, bar: Bar | None = None) -> dict:
    """What a request did, following its job if it queued one; a 409 is taken as done."""
    return r.json() if r.status_code == 409 else follow(client, r, bar)


def _wait_for_determinations(client: httpx.Client, clerk: dict) -> None:
    """Payout learns retirements from enrollment's events: wait until it has a determination
    for every retiree enrollment has."""
    retired = _ok(
        client.get(
            "/v1/enrollment/persons", headers=clerk, params={"status": "retired", "limit": 1}
        )
    )["total"]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        r = client.get("/v1/payout/determinations", headers=clerk, params={"limit": 1})
        if r.status_code == 200 and r.json()["total"] >= retired:
            return
        time.sleep(0.5)
    raise RuntimeError("payout's determinations did not catch up with enrollment in 3 minutes")


def _page(client: httpx.Client, path: str, headers: dict, **params: object) -> list[dict]:
    items: list[dict] = []
    while True:
        body = _ok(
            client.get(path, headers=headers, params={**params, "limit": 500, "offset": len(items)})
        )
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items


def _draws(citizen_ids: Collection[str]) -> dict[str, tuple[Decimal, int]]:
    """Each retiree's seeded final salary and years of service.

    They go to the retirees in the county's order (the order they retired in when the county
    was loaded one by one; a retiree from outside the demo county, a test's, after it by
    citizen id), whatever order their determinations are made in, so the payouts are the
    same however many requests the load has in flight.
    """
    rng = random.Random(YEAR)
    order = {cid: i for i, cid in enumerate(county_retirees())}
    draws = {}
    for cid in sorted(citizen_ids, key=lambda c: (order.get(c, len(order)), c)):
        salary = Decimal(rng.randrange(450_000, 900_000)) / 100  # the salary, then the years
        draws[cid] = (salary, rng.randrange(25, 40))
    return draws


@dataclass
class _Users:
    """The demo's actors: two clerks (four eyes), finance and the bank."""

    clerk: dict
    clerk2: dict
    finance: dict
    bank: dict
    province: dict


def _users(client: httpx.Client) -> _Users:
    return _Users(
        clerk=_token(client, {"username": "clerk", "password": "clerk-demo"}),
        clerk2=_token(client, {"username": "clerk2", "password": "clerk2-demo"}),
        finance=_token(client, {"username": "finance", "password": "finance-demo"}),
        bank=_token(
            client,
            {
                "grant_type": "client_credentials",
                "client_id": BANK,
                "client_secret": f"{BANK}-demo",
            },
        ),
        province=_token(
            client,
            {
                "grant_type": "client_credentials",
                "client_id": PROVINCE,
                "client_secret": f"{PROVINCE}-demo",
            },
        ),
    )


class PayoutYear:
    """Payout's 2020 for a known set of retirees (by citizen id).

    `add` hands over retirees as enrollment retires them (a unit's, their enrollment
    records): their own steps start at once, a few units at a time on this loader's
    threads. `finish` waits for all of them, then runs the year's shared steps and returns
    the year's totals. Who is certified late, whose bank account closes and who dies is
    decided from the whole set up front (in citizen-id order), so it does not depend on the
    order retirees arrive in.
    """

    def __init__(
        self, client: httpx.Client, progress: Phases, citizen_ids: Collection[str], workers: int = 4
    ) -> None:
        self.client, self.progress, self.workers = client, progress, workers
        self.users = _users(client)
        self.expected = set(citizen_ids)
        self.draws = _draws(self.expected)
        in_order = sorted(self.expected)
        self.n_late = min(UNCERTIFIED, len(in_order) // 4)
        self.late = set(in_order[: self.n_late])
        self.records: dict[str, dict] = {}  # person id -> enrollment's record
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="payout")
        self._futures: list[Future] = []
        n = len(self.expected)
        self._phases: dict[str, tuple[AbstractContextManager[Bar], Bar]] = {}
        for name, total in (("standards", n), ("reviews", n), ("subsidies", n)):
            phase = progress.phase(_TITLES[name], total)
            self._phases[name] = (phase, phase.__enter__())

    def __enter__(self) -> "PayoutYear":
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop: retirees not started yet are dropped (after an error elsewhere)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def add(self, records: Iterable[dict]) -> None:
        """A unit's retirees just retired in enrollment (id, citizen_id, name): start their
        steps (one after another: by the first one's determination, payout has most of the
        others' too)."""
        records = list(records)
        with self._lock:
            self.records.update((r["id"], r) for r in records)
        self._futures.append(self._pool.submit(lambda: [self._retiree(r) for r in records]))

    def _bar(self, name: str) -> Bar:
        return self._phases[name][1]

    def _end(self, name: str) -> None:
        self._phases.pop(name)[0].__exit__(None, None, None)

    def _retiree(self, record: dict) -> None:
        """One retiree's own steps, each skipped when an earlier run did it."""
        client, users = self.client, self.users
        person, cid = record["id"], record["citizen_id"]
        d = _standard(client, users.clerk, person, self.draws[cid])
        self._bar("standards").advance()
        _reviews(client, users.clerk, users.clerk2, d)
        self._bar("reviews").advance()
        if cid in self.late:  # not certified yet: suspended by the run, entitled after it
            return
        self._entitle(person)
        self._bar("subsidies").advance()

    def _data_match(self, persons: list[str], bar: Bar) -> None:
        """The province's data match: these retirees certified alive today, in its batches
        (each item idempotent by its message id, so a second run the same day changes
        nothing; one on a later day certifies again, and a retiree dead since is refused
        with a 409, taken as done like any other 409 here)."""
        today = date.today().isoformat()
        items = [
            {
                "message_id": f"demo-dm-{today}-{p}",
                "citizen_id": self.records[p]["citizen_id"],
                "certified_on": today,
            }
            for p in persons
        ]
        for start in range(0, len(items), MAX_BATCH_ITEMS):
            batch = items[start : start + MAX_BATCH_ITEMS]
            answer = _ok(
                self.client.post(
                    "/v1/payout/sync/certifications",
                    headers=self.users.province,
                    json={"items": batch},
                )
            )
            refused = [
                i
                for i in answer["items"]
                if i["result"] == "refused" and (i["problem"] or {}).get("status") != 409
            ]
            if refused:
                raise RuntimeError(f"the data match was refused: {refused[:3]}")
            bar.advance(len(batch))

    def _entitle(self, person: str) -> None:
        client, users = self.client, self.users
        asked = _ok(
            client.post(
                f"/v1/payout/retirees/{person}/subsidies",
                headers={**users.clerk, "Idempotency-Key": f"demo-subsidy-{person}"},
                json={"program": "living_subsidy", "from_quarter": f"{YEAR}-Q1"},
            )
        )
        # Four eyes: the entitlement counts once a second clerk approves it.
        entitlement = asked.get("id") or asked["entitlement_id"]
        _ok(
            client.post(
                f"/v1/payout/subsidies/{entitlement}/approve",
                headers={**users.clerk2, "Idempotency-Key": f"demo-subsidy-ok-{entitlement}"},
            )
        )

    def finish(self) -> dict:
        """Once every retiree's steps are done: the province's data match, the suspension
        run, the late ones' subsidies and the twelve months; the year's totals by program."""
        finished, _ = wait(self._futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            if future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        arrived = {r["citizen_id"] for r in self.records.values()}
        if arrived != self.expected:
            raise RuntimeError(
                f"{len(arrived)} retirees handed over to payout, {len(self.expected)} expected"
            )
        for name in ("standards", "reviews"):
            self._end(name)
        client, users = self.client, self.users
        # In citizen-id order (the seeded plan's), not by key (random per run): who is late,
        # fails at the bank or dies is then the same on every `make up`, and so are the totals.
        persons = sorted(self.records, key=lambda p: self.records[p]["citizen_id"])
        late = persons[: self.n_late]
        with self.progress.phase("payout: certifications", len(persons) - len(late)) as bar:
            self._data_match(persons[self.n_late :], bar)
        with self.progress.phase("payout: suspension run") as bar:
            _done(
                client,
                # A day runs once and the calendar ran today's before the demo's retirees
                # existed: yesterday's run (they were overdue then too).
                client.post(
                    "/v1/payout/certification/suspension-runs",
                    headers=users.clerk,
                    json={"as_of": (agency_today() - timedelta(days=1)).isoformat()},
                ),
                bar,
            )
        each(late, self._entitle, self._bar("subsidies"), self.workers)
        self._end("subsidies")
        cast = _Cast(late, persons[self.n_late : -1], persons[-1], self.records)
        with self.progress.phase("payout: 12 months of payroll", 12) as bar:
            users_ = (users.clerk, users.clerk2, users.finance, users.bank)
            totals = _months(client, users_, cast, bar, self.workers)
        return {"retirees": len(persons), "totals": totals}


_TITLES = {
    "standards": "payout: old-method standards",
    "reviews": "payout: determinations reviewed",
    "subsidies": "payout: living subsidies",
}


def review_retirees(
    client: httpx.Client, clerk: dict, clerk2: dict, records: Collection[dict]
) -> int:
    """What `make up` does for each retiree before the year (its old-method standard from the
    seeded draws where one is awaited, then 审核 by `clerk` and 复核 by `clerk2`), one after
    another, for a test's own county; how many were reviewed."""
    draws = _draws({r["citizen_id"] for r in records})
    for record in records:
        d = _standard(client, clerk, record["id"], draws[record["citizen_id"]])
        _reviews(client, clerk, clerk2, d)
    return len(records)


def _standard(client: httpx.Client, clerk: dict, person: str, draw: tuple[Decimal, int]) -> dict:
    """The retiree's latest determination, after its old-method standard where one is
    awaited."""
    d = _determination(client, clerk, person)
    if d["status"] == "awaiting_old_method":
        made = _old_method(client, clerk, d, *draw)
        # Its pending successor (a 409: entered meanwhile, so read the latest again).
        d = made if "person_id" in made else _determination(client, clerk, person)
    return d


def _reviews(client: httpx.Client, clerk: dict, clerk2: dict, d: dict) -> None:
    """审核 by one clerk and 复核 by a second, each skipped when done before."""
    path = f"/v1/payout/determinations/{d['id']}"
    if d["status"] == "pending":
        _ok(client.post(f"{path}/check", headers=clerk))
    if d["status"] in ("pending", "checked"):
        _ok(client.post(f"{path}/approve", headers=clerk2))


def _determination(client: httpx.Client, clerk: dict, person: str) -> dict:
    """The person's latest determination, once payout has learnt of the retirement (from
    enrollment's event, a moment after it)."""
    deadline = time.monotonic() + 180
    while True:
        r = client.get(f"/v1/payout/retirees/{person}/determinations", headers=clerk)
        found = [] if r.status_code == 404 else _ok(r)["items"]  # 404: not a retiree yet
        if found:
            return max(found, key=lambda d: d["seq"])
        if time.monotonic() > deadline:
            raise RuntimeError(f"payout made no determination for {person} in 3 minutes")
        time.sleep(0.1)


def _old_method(
    client: httpx.Client, clerk: dict, d: dict, salary: Decimal, service_years: int
) -> dict:
    """The old-method standard entered: the new determination that replaces `d`."""
    return _ok(
        client.post(
            f"/v1/payout/determinations/{d['id']}/old-method",
            headers={**clerk, "Idempotency-Key": f"demo-old-{d['id']}"},
            json={
                "final_salary": str(salary),
                "service_years": service_years,
                "allowances": "300.00",
            },
        )
    )


def _run(client: httpx.Client, finance: dict, period: str) -> dict:
    r = _ok(
        client.post(
            "/v1/payout/payroll-runs",
            headers={**finance, "Idempotency-Key": f"demo-run-{period}"},
            json={"period": period},
        )
    )
    url = f"/v1/payout/payroll-runs/{r['id']}"
    deadline, wait = time.monotonic() + 600, 0.02
    while (run := _ok(client.get(url, headers=finance)))["state"] != "done":
        if time.monotonic() > deadline:
            raise RuntimeError(f"payroll run {period} did not finish in 10 minutes")
        time.sleep(wait)
        wait = min(wait * 2, 0.2)  # quickly at first: a month of 1,200 takes well under 1 s
    return run


def _post_results(client: httpx.Client, bank: dict, results: list[dict]) -> None:
    """Signed posts of 5,000 lines; a post signed in the same second as an identical one
    (a repeated demo) is refused as a replay, so it is signed again a second later."""
    secret = get_settings().bank_secrets[BANK][0]
    url = f"/v1/payout/bank/{BANK}/results"
    for start in range(0, len(results), 5000):
        raw = json.dumps({"results": results[start : start + 5000]}).encode()
        for _ in range(5):
            ts = int(time.time())
            headers = {
                **bank,
                "X-Bank-Id": BANK,
                "X-Timestamp": str(ts),
                "X-Signature": sign(secret, ts, raw, method="POST", target=url),
                "content-type": "application/json",
            }
            r = client.post(url, content=raw, headers=headers)
            if r.status_code != 401 or r.json().get("code") != "signature_replayed":
                break
            time.sleep(1.1)
        _ok(r)


def _bank_month(client: httpx.Client, bank: dict, run: dict, failing: set[str]) -> list[str]:
    """The bank answers every line of the run's batches; returns the persons whose line
    failed (their accounts were closed)."""
    batches = _ok(
        client.get(f"/v1/payout/bank/{BANK}/batches", headers=bank, params={"limit": 500})
    )["items"]
    results, failed = [], []
    for batch in (b for b in batches if b["run_id"] == run["id"]):
        file = client.get(f"/v1/payout/bank/{BANK}/batches/{batch['id']}/file", headers=bank)
        for ref, person, *_ in list(csv.reader(io.StringIO(file.text)))[1:-1]:
            if batch["program"] == "basic_pension" and person in failing:
                results.append(
                    {"reference": ref, "outcome": "failed", "reason_code": "account_closed"}
                )
                failed.append(person)
            else:
                results.append({"reference": ref, "outcome": "paid"})
    _post_results(client, bank, results)
    return sorted(set(failed))


def load_payout_demo(client: httpx.Client, progress: Phases, workers: int = 4) -> dict:
    """The year 2020 of payouts for every retiree payout has now; the year's totals."""
    clerk = _token(client, {"username": "clerk", "password": "clerk-demo"})
    _wait_for_determinations(client, clerk)
    everyone = {d["person_id"] for d in _page(client, "/v1/payout/determinations", clerk)}
    with progress.phase("payout: retirees' records", len(everyone)) as bar:
        records = _records(client, clerk, everyone, bar, workers)
    cids = [r["citizen_id"] for r in records.values()]
    with PayoutYear(client, progress, cids, workers) as year:
        year.add(records.values())
        return year.finish()


@dataclass
class _Cast:
    """Who plays which part in the year (by person id), chosen in citizen-id order."""

    late: list[str]  # certified only in June: suspended, resumed, back pay in July
    regular: list[str]  # some of whose bank accounts close during the year
    deceased: str  # dies in August
    records: dict[str, dict]  # enrollment's record of each


def _months(
    client: httpx.Client, users: tuple[dict, dict, dict, dict], cast: _Cast, bar: Bar, workers: int
) -> dict[str, Decimal]:
    """The twelve months in order (a month's failed lines are re-issued the next)."""
    clerk, clerk2, finance, bank = users
    today = date.today().isoformat()
    rng = random.Random(YEAR + 1)
    for month in range(1, 13):
        period = f"{YEAR}-{month:02d}"
        if month % 3 == 1:
            _done(
                client,
                client.post(
                    "/v1/payout/subsidy-runs",
                    headers={**clerk, "Idempotency-Key": f"demo-subsidy-run-{period}"},
                    json={"quarter": f"{YEAR}-Q{month // 3 + 1}"},
                ),
            )
        if month == 7:  # the dozen come forward in June: resumed, back pay in July

            def resume(person: str) -> None:
                certified = _ok(
                    client.post(
                        f"/v1/payout/retirees/{person}/certifications",
                        headers={**clerk, "Idempotency-Key": f"demo-cert-late-{person}"},
                        json={
                            "method": "home_visit",
                            "certified_on": today,
                            "out_of_province": True,
                        },
                    )
                )
                # Four eyes: the resumption (and its back pay) once a second clerk approves.
                _ok(
                    client.post(
                        f"/v1/payout/certifications/{certified['id']}/approve",
                        headers={**clerk2, "Idempotency-Key": f"demo-cert-ok-{certified['id']}"},
                    )
                )

            each(cast.late, resume, workers=workers)
        run = _run(client, finance, period)
        sample = rng.sample(cast.regular, min(FAILING_PER_MONTH, len(cast.regular)))
        by_citizen = {cast.records[p]["citizen_id"]: p for p in sample}
        for person_number in _bank_month(client, bank, run, set(by_citizen)):
            person = by_citizen[person_number]
            change = _ok(
                client.post(
                    f"/v1/payout/retirees/{person}/account-changes",
                    headers={**clerk, "Idempotency-Key": f"demo-acct-{person}-{period}"},
                    json={
                        "bank_code": "PSBC",
                        "account_number": f"62218899{month:02d}{rng.randrange(10**6):06d}",
                        "account_name": cast.records[person]["name"],  # the retiree's own card
                        "reason": "原账户已销户, 本人持新卡申请变更",
                    },
                )
            )
            if change.get("status") == "pending":
                _ok(
                    client.post(
                        f"/v1/payout/account-changes/{change['id']}/approve",
                        headers={**clerk2, "Idempotency-Key": f"demo-acct-ok-{change['id']}"},
                    )
                )
        if month == 9:
            _death(client, clerk, clerk2, finance, cast.deceased)
        bar.advance()
    ledger = _page(client, f"/v1/payout/ledger/{YEAR}", finance)
    totals: dict[str, Decimal] = {}
    for row in ledger:
        totals[row["program"]] = totals.get(row["program"], Decimal(0)) + Decimal(
            row["paid_amount"]
        )
    return totals


def _records(
    client: httpx.Client, clerk: dict, persons: set[str], bar: Bar, workers: int
) -> dict[str, dict]:
    """Enrollment's records of these persons: the retired ones a page of 500 at a time, any
    other (one who died since, a later run) one by one."""
    records = {
        p["id"]: p
        for p in _page(client, "/v1/enrollment/persons", clerk, status="retired")
        if p["id"] in persons
    }
    bar.advance(len(records))
    each(
        persons - records.keys(),
        lambda p: records.__setitem__(p, _person(client, clerk, p)),
        bar,
        workers,
    )
    return records


def _person(client: httpx.Client, clerk: dict, person: str) -> dict:
    """A retiree's enrollment record (citizen id for the bank file, name for the account)."""
    return _ok(client.get(f"/v1/enrollment/persons/{person}", headers=clerk))


def _death(client: httpx.Client, clerk: dict, clerk2: dict, finance: dict, person: str) -> None:
    """A retiree dies on 10 August: September's payment is recovered, benefits requested by
    finance, approved by a second clerk and paid once."""
    # Entered by one clerk, approved by a second: a clerk's word alone records no death.
    report_death(client, (clerk, clerk2), person, date(YEAR, 8, 10), "病故", f"demo-death-{person}")
    deadline = time.monotonic() + 60
    while not (cases := _page(client, "/v1/payout/recoveries", finance, person_id=person)):
        if time.monotonic() > deadline:
            raise RuntimeError("the death did not reach payout in a minute")
        time.sleep(0.2)
    for case in cases:
        if case["status"] == "open":
            _ok(
                client.post(
                    f"/v1/payout/recoveries/{case['id']}/resolve",
                    headers=finance,
                    json={"method": "bank_return"},
                )
            )
    _ok(
        client.post(
            f"/v1/payout/retirees/{person}/death-benefits",
            headers={**finance, "Idempotency-Key": f"demo-death-benefit-{person}"},
            json={
                "survivor_name": "家属",
                "survivor_citizen_id": "330522199001011231",
                "relationship": "配偶",
                "bank_code": "PSBC",
                "account_number": "6221889900000001",
            },
        )
    )
    _ok(
        client.post(
            f"/v1/payout/retirees/{person}/death-benefits/approve",
            headers={**clerk2, "Idempotency-Key": f"demo-death-benefit-ok-{person}"},
        )
    )
