"""The disbursement ledger against the bank results and the settlement events: the same
amounts three ways, with each period's own budget codes."""

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.payout.integration.helpers import publish, retire, retirement, review, run_payroll
from tests.payout.parameters_helper import set_parameter
from tests.shared.integration.helpers import eventually
from tests.support.payout_banks import PSBC, post_results, two_banks  # noqa: F401
from tests.support.payout_ledger import answer_every_line

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.usefixtures("two_banks")]


async def test_ledger_bank_results_and_settlements_agree(platform) -> None:
    async with running_app(create_app(platform)) as client:
        admin, finance = auth_headers(platform, "admin"), auth_headers(platform, "finance")
        events = {n: retirement(n) for n in (97, 98)}
        for event in events.values():
            [d] = await retire(client, platform, event)
            await review(client, platform, d["id"])
        # From May the pensions are booked under new codes; April keeps the old ones.
        [codes] = [
            p
            for p in (
                await client.get("/v1/payout/parameters?name=budget_codes", headers=admin)
            ).json()["items"]
        ]
        value = codes["value"] | {
            "basic_pension": {"functional_code": "2080507", "economic_code": "30302"}
        }
        await set_parameter(
            client,
            platform,
            {"name": "budget_codes", "effective_from": "2025-05-01", "value": value},
        )
        await run_payroll(client, platform, "2025-05")  # April and May
        await answer_every_line(client, platform, failing={"退休98"})
        # 退休97 died in April: May's lines are overpaid and recovered through the bank.
        death = PersonDeceased(
            person_id=events[97].aggregate_id,
            unit_id=events[97].payload["unit_id"],
            date_of_death=date(2025, 4, 20),
        )
        await publish(
            platform,
            EventEnvelope.wrap(death, source="enrollment", aggregate_id=events[97].aggregate_id),
        )

        async def opened() -> list[dict]:
            r = await client.get("/v1/payout/recoveries", headers=finance)
            return r.json()["items"] if len(r.json()["items"]) == 2 else []

        await eventually(opened)
        for case in await opened():
            r = await client.post(
                f"/v1/payout/recoveries/{case['id']}/resolve",
                headers=finance,
                json={"method": "bank_return"},
            )
            assert r.status_code == 200, r.text

        ledger = (await client.get("/v1/payout/ledger/2025", headers=finance)).json()["items"]
        codes_by = {(x["program"], x["period"]): x["functional_code"] for x in ledger}
        assert codes_by[("basic_pension", "2025-04")] == "2080505"
        assert codes_by[("basic_pension", "2025-05")] == "2080507"
        # Paged in SQL: one row a page, each page the next row, the total the year's rows.
        one_by_one = [
            (
                await client.get(
                    "/v1/payout/ledger/2025", headers=finance, params={"limit": 1, "offset": at}
                )
            ).json()
            for at in range(len(ledger))
        ]
        assert {p["total"] for p in one_by_one} == {len(ledger)}
        assert [p["items"][0] for p in one_by_one] == ledger

        paid_lines = await scalar(
            platform,
            "SELECT json_object_agg(k, v) FROM (SELECT program || ' ' || to_char(period, "
            "'YYYY-MM') AS k, sum(amount)::text AS v FROM payout.payment WHERE status = 'paid' "
            "GROUP BY 1) t",
        )
        by_lines = {k: Decimal(v) for k, v in paid_lines.items()}  # type: ignore[union-attr]
        net: dict[str, Decimal] = defaultdict(Decimal)
        for x in ledger:
            key = f"{x['program']} {x['period']}"
            assert Decimal(x["paid_amount"]) == by_lines.get(key, 0)  # one bank here
            net[key] += Decimal(x["paid_amount"]) - Decimal(x["recovered_amount"])
        settled = (await client.get("/v1/payout/ledger/2025/settlements", headers=finance)).json()[
            "items"
        ]
        last = {}
        for s in settled:  # ordered by revision
            last[f"{s['program']} {s['period'][:7]}"] = s
        assert set(last) == set(net)
        assert {k: Decimal(s["paid_amount"]) for k, s in last.items()} == net
        assert net["basic_pension 2025-05"] == by_lines["basic_pension 2025-05"] - Decimal(
            "4792.71"
        )
        assert last["basic_pension 2025-05"]["functional_code"] == "2080507"
        outbox = await scalar(
            platform,
            "SELECT json_agg(envelope->'payload') FROM payout.outbox "
            "WHERE subject = 'pension.payout.disbursement.settled'",
        )
        sent = {}
        for e in sorted(outbox, key=lambda e: e["revision"]):  # type: ignore[arg-type]
            sent[f"{e['program']} {e['period']}"] = e
        assert {k: Decimal(e["paid_amount"]) for k, e in sent.items()} == net
        assert {k: e["revision"] for k, e in sent.items()} == {
            k: s["revision"] for k, s in last.items()
        }

        book = await client.get("/v1/payout/ledger/2025/xlsx", headers=finance)
        rows = list(
            load_workbook(io.BytesIO(book.content)).worksheets[0].iter_rows(values_only=True)
        )
        total = sum(Decimal(r[8]) for r in rows[1:] if r[9] == "发放成功")
        assert total == sum(by_lines.values())
        assert {r[10] for r in rows[1:]} == {None, "已追回"}
        assert {r[3] for r in rows[1:] if r[0] == "基本养老金" and r[1] == "2025-05"} == {"2080507"}


async def test_periods_outside_the_settlement_years_are_refused_where_they_enter(platform) -> None:
    """A month, quarter or year before 2000 or after 2100 is a 422 naming it, nothing else."""
    async with running_app(create_app(platform)) as client:
        [d] = await retire(client, platform, retirement(99))
        staff = auth_headers(platform, "clerk")
        entitle = f"/v1/payout/retirees/{d['person_id']}/subsidies"
        for early, late in (("1999-Q4", "2101-Q1"), ("0001-Q1", "9999-Q4")):
            for quarter in (early, late):
                for url, body, field in (
                    ("/v1/payout/subsidy-runs", {"quarter": quarter}, "quarter"),
                    (
                        entitle,
                        {"program": "living_subsidy", "from_quarter": quarter},
                        "from_quarter",
                    ),
                    (
                        entitle,
                        {
                            "program": "living_subsidy",
                            "from_quarter": "2025-Q2",
                            "to_quarter": quarter,
                        },
                        "to_quarter",
                    ),
                ):
                    r = await client.post(url, headers=staff, json=body)
                    assert r.headers["content-type"] == "application/problem+json", (url, quarter)
                    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
                    assert [e["field"] for e in r.json()["errors"]] == [field], (url, quarter)
        for year in (1999, 2101):
            for tail in ("", "/settlements", "/xlsx"):
                r = await client.get(f"/v1/payout/ledger/{year}{tail}", headers=staff)
                assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), year
        for month in ("1999-12", "2101-01"):
            for url in ("/v1/payout/batches", f"/v1/payout/bank/{PSBC}/batches"):
                who = staff if "bank" not in url else auth_headers(platform, "bank", subject=PSBC)
                r = await client.get(url, params={"period": month}, headers=who)
                assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), url
        # The edges are in: nothing ran, nothing to show, nothing refused.
        for year in (2000, 2100):
            assert (await client.get(f"/v1/payout/ledger/{year}", headers=staff)).json()[
                "items"
            ] == []
        r = await client.get("/v1/payout/batches?period=2000-01", headers=staff)
        assert (r.json()["items"], r.json()["total"]) == ([], 0)
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_entitlement") == 0
        assert await scalar(platform, "SELECT count(*) FROM payout.subsidy_run") == 0
