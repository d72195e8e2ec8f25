"""`make simulate-city`: a city-sized agency through one month on the cluster (issue #23).

At `--scale 1.0`: 1,500 units and 150,000 insured (imported per unit through the person
import job), 50,000 retirees taken over (payout's bulk take-over import in files of 5,000,
each batch checked by one clerk and approved by a second), then January 2020:
contribution's roster, the year's declarations, the month's plans (a job), the bank's
receipts (signed posts), enrollment crediting the accounts (events), payroll (a job), the
bank's results, the ledger and the province reading every feed to its end. Every step's
wall time and the events written (outboxes) and applied (consumers) per second are printed
and written as JSON. Runs in a data directory of its own on free ports, removed afterwards
(`--keep` keeps it): `make up`'s .data is not touched.
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from deploy.local import city_data, city_steps
from deploy.local.city_api import Api
from deploy.local.city_cluster import CityCluster, counters, dump, fetch


class Steps:
    """Each step's wall time, items and events, printed as it ends."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.rows: list[dict[str, Any]] = []

    @asynccontextmanager
    async def step(self, name: str, items: int, unit: str) -> AsyncIterator[dict[str, int]]:
        """Time the block (which may set the count it learns: `["items"]`); events are the
        counters' differences over it."""
        before = await counters(self.dsn)
        started = time.perf_counter()
        tally = {"items": items}
        yield tally
        seconds = time.perf_counter() - started
        after = await counters(self.dsn)
        items = tally["items"]
        row = {
            "step": name,
            "seconds": round(seconds, 2),
            "items": items,
            "unit": unit,
            "items_per_s": round(items / seconds, 1) if seconds else None,
            "load_average_1m": round(os.getloadavg()[0], 1),  # the machine is shared
            **{f"events_{k}": after[k] - before[k] for k in after},
            **{f"events_{k}_per_s": round((after[k] - before[k]) / seconds, 1) for k in after},
        }
        self.rows.append(row)
        print(
            f"{name:<28} {seconds:9.1f} s  {items:>9,} {unit:<10} "
            f"events written {row['events_published']:>8,} ({row['events_published_per_s']:,}/s)"
            f", applied {row['events_processed']:>8,} ({row['events_processed_per_s']:,}/s)",
            flush=True,
        )


def check(checks: dict[str, dict], name: str, expected: object, actual: object) -> None:
    """Record one exactness check."""
    checks[name] = {"expected": str(expected), "actual": str(actual), "ok": expected == actual}
    print(f"  check {name}: {'ok' if expected == actual else 'FAILED'} ({actual})", flush=True)


async def month(cluster: CityCluster, scale: float, workers: int) -> dict[str, Any]:
    """The whole simulation on a started cluster: the report."""
    units, retirees = city_data.units(scale), city_data.retirees(scale)
    insured = sum(len(u.staff) for u in units)
    steps, checks = Steps(cluster.dsn), {}
    api = Api(cluster.gateways)
    try:
        await api.login()
        async with steps.step("units and insured (import)", insured, "persons"):
            ids = await city_steps.units_and_insured(api, units, workers)
        async with steps.step("retirees taken over", len(retirees), "retirees"):
            await city_steps.take_over(api, retirees, workers)
        async with steps.step("contribution's roster", insured, "persons"):
            await city_steps.roster(api, insured)
        await api.login()
        async with steps.step("declarations", len(units), "units"):
            await city_steps.declarations(api, units, ids, workers)
        async with steps.step("plans (job)", len(units), "units"):
            plans = await city_steps.plans(api)
        codes = {v: k for k, v in ids.items()}
        async with steps.step("bank receipts", len(units), "receipts"):
            paid = await city_steps.receipts(api, plans, codes)
        async with steps.step("credits applied (events)", insured, "persons"):
            await city_steps.credits(cluster.dsn, insured)
        await city_steps.resend_receipts(api, paid)
        async with steps.step("payroll (job)", len(retirees), "retirees"):
            run = await city_steps.payroll(api)
        async with steps.step("bank results", len(retirees), "lines"):
            lines = await city_steps.bank_results(api, run)
        async with steps.step("ledger", len(retirees), "payments"):
            ledger = await city_steps.ledger(api)
        async with steps.step("province feed to the end", 0, "changes") as tally:
            feeds = await city_steps.province_feed(cluster.gateways[0])
            tally["items"] = sum(feeds.values())
        await _checks(checks, cluster.dsn, plans, paid, retirees, insured, lines, ledger)
        changes = await fetch(cluster.dsn, city_steps.CHANGES_SQL)
        check(checks, "province read every change", changes, sum(feeds.values()))
    finally:
        await api.close()
    return {
        "scale": scale,
        "units": len(units),
        "insured": insured,
        "retirees": len(retirees),
        "steps": steps.rows,
        "feeds": feeds,
        "checks": checks,
    }


async def _checks(checks, dsn, plans, paid, retirees, insured, lines, ledger) -> None:
    """Payments equal the retirees and their amounts; receipts were recorded once."""
    due = city_steps.paid_total([p for p in plans if p["seq"] == 0], "total")
    check(checks, "payments = retirees", len(retirees), lines)
    check(checks, "ledger paid count", len(retirees), sum(r["paid_count"] for r in ledger))
    check(
        checks,
        "ledger paid amount",
        sum((r.monthly_amount for r in retirees), Decimal(0)),
        city_steps.paid_total(ledger, "paid_amount"),
    )
    recorded = await fetch(dsn, city_steps.RECEIPTS_SQL)
    check(checks, "receipts recorded once", len(paid), recorded)
    check(checks, "received = due", due, await fetch(dsn, city_steps.RECEIVED_SQL))
    check(checks, "accounts credited", insured, await fetch(dsn, city_steps.CREDITED_SQL))


def main() -> int:
    """Parse the options, run the city, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: the full city")
    parser.add_argument("--workers", type=int, default=4, help="requests in flight per step")
    parser.add_argument("--out", type=Path, default=Path("city-month.json"))
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a fresh temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--single", action="store_true", help="one process each, no cluster")
    args = parser.parse_args()
    os.environ["PENSION_DEV_MODE"] = "1"  # the banks' demo signing secrets
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="pension-city-"))
    if args.data_dir is not None and data_dir.exists():
        shutil.rmtree(data_dir)  # a fresh city every run
    cluster = CityCluster(data_dir, cluster=not args.single)
    started = time.perf_counter()
    try:
        cluster.start()
        print(f"cluster up in {time.perf_counter() - started:.1f} s ({data_dir})", flush=True)
        report = asyncio.run(month(cluster, args.scale, args.workers))
    finally:
        cluster.stop()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    report["cluster"] = not args.single
    report["load_average"] = os.getloadavg()
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    dump(args.out, report)
    print(f"written to {args.out}; total {report['total_seconds']} s", flush=True)
    return 0 if all(c["ok"] for c in report["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
