"""Random lives through the real payout service (issue #18): for every month and program,
paid − recovered − withheld by offsets = the amount in force, to the fen, nothing paid
twice; and the estate of a deceased retiree is paid exactly what it is owed.

Each example is a database of its own with LIVES retirees lived month by month from
2025-04 (MONTHS months, then FLUSH more so that re-issues and offsets finish): 调待 and
corrections (also of months already paid), failed lines the clerk retries, overpayments
offset against later pensions or the death benefits, and deaths in any paid month, learned
up to two months late, suspensions for one to three months (certification overdue, then
certified again). Size: EXAMPLES × LIVES lives × (MONTHS + FLUSH) months. Not drawn yet:
cash recoveries, write-offs,
several 调待 of one life, and a correction from before a 调待 (issue #18, item 2).
"""

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.payout.config import get_settings
from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from tests.conftest import auth_headers, delete_stream, make_platform, running_app
from tests.enrollment.integration.test_accounts_and_interest import scalar
from tests.infra import clone_database, drop_database
from tests.payout.integration.helpers import (
    approve,
    key,
    publish,
    resume,
    retire,
    retirement,
    review,
    run_payroll,
)
from tests.payout.integration.test_banks import PSBC, post_results, two_banks  # noqa: F401
from tests.payout.integration.test_failed_lines import SURVIVOR
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIVES, MONTHS, FLUSH, EXAMPLES = 4, 6, 2, 6
SUSPENDED = 1
BASIC, ANNUITY = "basic_pension", "occupational_annuity"


def period(t: int) -> date:
    """The month of step t (0 is 2025-04, the first month paid)."""
    return date(2025, 4 + t, 1)


# Each choice lists its most telling value first: Hypothesis starts from the simplest
# example (the first of each), so even the first example retries, offsets and recovers.
LIFE = st.fixed_dictionaries(
    {
        # (entered before step, months back, fixed amount)
        "adjust": st.one_of(
            st.tuples(st.integers(0, MONTHS - 1), st.sampled_from([1, 0, 2]), st.integers(1, 300)),
            st.none(),
        ),
        # (entered before step, months back, corrected basic balance: a cut or a raise)
        "correct": st.one_of(
            st.tuples(
                st.integers(1, MONTHS - 1),
                st.sampled_from([1, 0, 2, 3]),
                st.sampled_from(["81000.00", "121000.00", "61000.00"]),
            ),
            st.none(),
        ),
        # Steps whose pension line the bank fails the first time.
        "fail": st.sets(st.integers(0, MONTHS - 1), min_size=0, max_size=2),
        # Suspended (certification overdue) before step SUSPENDED, certified again k steps on.
        "suspend": st.one_of(st.none(), st.integers(1, 3)),
        # (learned before step, months before that it happened, day): any month paid.
        "death": st.one_of(
            st.none(),
            st.tuples(st.integers(1, MONTHS), st.sampled_from([1, 0, 2]), st.integers(1, 28)),
        ),
    }
)


class World:
    """One example: the app, its lives and the clerks' routine after each run."""

    def __init__(self, client, platform, lives: list[dict]) -> None:
        self.client, self.platform, self.lives = client, platform, lives
        self.people: list[dict] = []
        self.clerk = auth_headers(platform, "clerk", subject="clerk-a")
        self.finance = auth_headers(platform, "finance", subject="finance-a")

    async def start(self) -> None:
        for n, _ in enumerate(self.lives):
            event = retirement(200 + n)
            [first] = await retire(self.client, self.platform, event)
            await review(self.client, self.platform, first["id"])
            self.people.append({"event": event, "id": first["person_id"], "first": first})
            if self.lives[n]["suspend"] is None:
                # Certified: not overdue when the suspension run comes (as of 2026-04-15).
                await self.certify(first["person_id"], date(2025, 12, 1))

    async def certify(self, person: str, on: date) -> dict:
        r = await self.client.post(
            f"/v1/payout/retirees/{person}/certifications",
            headers=self.clerk | key(),
            json={"method": "data_match", "certified_on": on.isoformat(), "out_of_province": False},
        )
        assert r.status_code == 201, r.text
        return r.json()

    def died(self, n: int) -> tuple[int, date] | None:
        """(step learned, date of death) of a life, if it dies."""
        death = self.lives[n]["death"]
        if death is None:
            return None
        learned, back, day = death
        month = max(0, learned - back)
        return learned, date(2025, 4 + month, day)

    async def before(self, t: int) -> None:
        """What happens to each life before the run of step t."""
        if t == SUSPENDED and any(life["suspend"] for life in self.lives):
            # Those never certified are overdue (retired 2025-03-15, 12 months and 30 days).
            r = await self.client.post(
                "/v1/payout/certification/suspension-runs",
                headers=self.clerk | key(),
                json={"as_of": "2026-04-15"},
            )
            assert r.status_code == 200, r.text
        for n, life in enumerate(self.lives):
            person, dead = self.people[n], self.died(n)
            if dead and dead[0] == t:
                await self.die(person, dead[1])
            if dead and dead[0] <= t:
                continue  # nothing more is decided for a retiree known to be dead
            if life["suspend"] and t == SUSPENDED + life["suspend"]:
                # Certified today and approved by a second clerk: resumed, the next run pays
                # the months suspended.
                today = datetime.now(UTC).date().isoformat()
                resumed = await resume(
                    self.client, self.platform, person["id"], today, self.clerk, "data_match"
                )
                assert resumed["resumed"]
            if life["adjust"] and life["adjust"][0] == t:
                _, back, amount = life["adjust"]
                person["adjusted_from"] = max(0, t - back)
                await self.decide(
                    f"/v1/payout/retirees/{person['id']}/adjustments",
                    {
                        "effective_from": period(person["adjusted_from"]).isoformat(),
                        "fixed_amount": f"{amount}.00",
                        "reason": "调待",
                    },
                )
            if life["correct"] and life["correct"][0] == t:
                _, back, balance = life["correct"]
                # Not before a 调待 (its recomputation is issue #18's item 2, elsewhere).
                start = max(0, t - back, person.get("adjusted_from", 0))
                await self.decide(
                    f"/v1/payout/determinations/{person['first']['id']}/corrections",
                    {
                        "effective_from": period(start).isoformat(),
                        "basic_balance": balance,
                        "reason": "更正",
                    },
                )

    async def decide(self, path: str, body: dict) -> None:
        r = await self.client.post(path, headers=self.clerk | key(), json=body)
        assert r.status_code == 201, r.text
        await review(self.client, self.platform, r.json()["id"], "clerk-b", "clerk-c")

    async def die(self, person: dict, on: date) -> None:
        event = PersonDeceased(
            person_id=person["id"], unit_id=person["event"].payload["unit_id"], date_of_death=on
        )
        await publish(
            self.platform, EventEnvelope.wrap(event, source="enrollment", aggregate_id=person["id"])
        )

        async def recorded() -> bool:
            return bool(
                await scalar(
                    self.platform,
                    "SELECT died_on IS NOT NULL FROM payout.retiree "
                    f"WHERE person_id = '{person['id']}'",
                )
            )

        await eventually(recorded)

    async def after(self, t: int) -> None:
        """The bank answers; the clerks retry, offset and grant."""
        rows = await scalar(
            self.platform,
            "SELECT coalesce(json_agg(json_build_array(id::text, person_id::text, program, "
            "period::text, reissue_of IS NULL AND difference_id IS NULL)), '[]') "
            "FROM payout.payment WHERE status = 'sent'",
        )
        index = {p["id"]: n for n, p in enumerate(self.people)}
        lines = []
        for ref, person, program, month, regular in rows:  # type: ignore[union-attr]
            n = index.get(person)
            fails = (
                n is not None
                and program == BASIC
                and regular
                and any(period(s).isoformat() == month for s in self.lives[n]["fail"])
            )
            lines.append(
                {"reference": ref, "outcome": "failed", "reason_code": "account_frozen"}
                if fails
                else {"reference": ref, "outcome": "paid"}
            )
        if lines:
            r = await post_results(self.client, self.platform, lines, bank=PSBC)
            assert r.status_code == 200, r.text
        deceased = {
            p["id"]
            for n, p in enumerate(self.people)
            if (d := self.died(n)) is not None and d[0] <= t
        }
        owed = (await self.client.get("/v1/payout/failed-lines", headers=self.finance)).json()
        for line in owed:
            if line["decision"] is None and line["person_id"] not in deceased:
                r = await self.client.post(
                    f"/v1/payout/failed-lines/{line['payment_id']}/retry",
                    headers=self.finance | key(),
                    json={"reason": "冻结已解除"},
                )
                assert r.status_code == 200, r.text
        cases = (
            await self.client.get("/v1/payout/recoveries?status=open", headers=self.finance)
        ).json()
        for case in cases:
            r = await self.client.post(
                f"/v1/payout/recoveries/{case['id']}/resolve",
                headers=self.finance | key(),
                json={"method": "offset"},
            )
            assert r.status_code == 200, r.text
            await approve(self.client, self.platform, f"/v1/payout/recoveries/{case['id']}/approve")
        for person in deceased:
            r = await self.client.get(
                f"/v1/payout/retirees/{person}/death-benefits", headers=self.finance
            )
            if r.status_code == 404:
                r = await self.client.post(
                    f"/v1/payout/retirees/{person}/death-benefits",
                    headers=self.finance | key(),
                    json=SURVIVOR,
                )
                assert r.status_code == 201, r.text
                await approve(
                    self.client,
                    self.platform,
                    f"/v1/payout/retirees/{person}/death-benefits/approve",
                )

    async def by_month(self, person: str, sql: str) -> dict[tuple[str, str], Decimal]:
        found = await scalar(
            self.platform,
            "SELECT coalesce(json_agg(json_build_array(program, month::text, amount::text)), "
            f"'[]') FROM ({sql.format(person=person)}) s",
        )
        out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for program, month, amount in found:  # type: ignore[union-attr]
            out[(program, month)] += Decimal(amount)
        return out

    async def check(self, last: int) -> None:
        """The identities, for every life, month and program."""
        assert (
            await scalar(self.platform, "SELECT count(*) FROM payout.payment WHERE status = 'sent'")
            == 0
        )
        left = await scalar(
            self.platform,
            "SELECT coalesce(json_agg(json_build_array(person_id, program, period, amount, "
            "status)), '[]') FROM payout.recovery WHERE status NOT IN ('recovered', 'void')",
        )
        assert left == [], ("every overpayment was offset in full", left, self.lives)
        assert (await self.client.get("/v1/payout/failed-lines", headers=self.finance)).json() == []
        # Nothing twice: one regular line per person, program and month (a failed one beside
        # its replacement), and each difference paid once.
        assert (
            await scalar(
                self.platform,
                "SELECT count(*) FROM (SELECT 1 FROM payout.payment WHERE status <> 'reissued' "
                "AND difference_id IS NULL GROUP BY person_id, program, period "
                "HAVING count(*) > 1) d",
            )
            == 0
        )
        for n, person in enumerate(self.people):
            pid, dead = person["id"], self.died(n)
            last_month = period(last) if dead is None else dead[1].replace(day=1)
            determinations = (
                await self.client.get(
                    f"/v1/payout/retirees/{pid}/determinations", headers=self.finance
                )
            ).json()
            # The payroll's rule, read from the API: the latest approved one effective by then.
            approved = sorted(
                (d for d in determinations if d["status"] == "approved"),
                key=lambda d: (d["effective_from"], d["seq"]),
            )
            paid = await self.by_month(
                pid,
                "SELECT program, period AS month, amount FROM payout.payment "
                "WHERE person_id = '{person}' AND status = 'paid' "
                "AND program IN ('basic_pension', 'occupational_annuity') "
                "UNION ALL SELECT p.program, p.period, f.amount "
                "FROM payout.failed_line_decision f JOIN payout.payment p ON p.id = f.payment_id "
                "WHERE f.person_id = '{person}' AND f.action = 'estate' "
                "UNION ALL SELECT program, month, amount FROM payout.benefit_difference "
                "WHERE person_id = '{person}' AND status = 'to_survivor'",
            )
            withheld = await self.by_month(
                pid,
                "SELECT c.program, c.period AS month, d.amount FROM payout.offset_deduction d "
                "JOIN payout.recovery c ON c.id = d.recovery_id "
                "JOIN payout.payment p ON p.id = d.payment_id "
                "WHERE c.person_id = '{person}' AND p.status = 'paid'",
            )
            returned = await self.by_month(
                pid,
                "SELECT program, period AS month, amount FROM payout.recovery "
                "WHERE person_id = '{person}' AND status = 'recovered' AND method <> 'offset'",
            )
            for t in range(last + 1):
                month = period(t)
                basic = annuity = Decimal("0.00")
                if month <= last_month:
                    current = [d for d in approved if d["effective_from"] <= month.isoformat()]
                    basic = Decimal(current[-1]["monthly_amount"])
                    annuity = Decimal(current[-1]["annuity_monthly"])
                for program, due in ((BASIC, basic), (ANNUITY, annuity)):
                    k = (program, month.isoformat())
                    assert paid[k] - returned[k] - withheld[k] == due, (n, self.lives[n], k)
            if dead is not None:
                await self.check_estate(pid)

    async def check_estate(self, person: str) -> None:
        """The estate is paid once what it is owed: the benefits, the back pay of months up
        to the death and the failed months, less what offsets withheld from it."""
        r = await self.client.get(
            f"/v1/payout/retirees/{person}/death-benefits", headers=self.finance
        )
        grant = r.json()
        owed = sum(
            Decimal(grant[k])
            for k in (
                "funeral_grant",
                "survivor_amount",
                "basic_balance_left",
                "annuity_balance_left",
            )
        )
        owed += sum(Decimal(b["amount"]) for b in grant["back_pay_lines"])
        owed += Decimal(
            await scalar(
                self.platform,
                "SELECT coalesce(sum(amount), 0) FROM payout.failed_line_decision "
                f"WHERE person_id = '{person}' AND action = 'estate'",
            )
        )
        paid = await scalar(
            self.platform,
            "SELECT coalesce(sum(amount), 0) || ' ' || coalesce(sum(offset_amount), 0) "
            f"FROM payout.payment WHERE person_id = '{person}' AND program = 'death_benefit' "
            "AND status = 'paid'",
        )
        amount, offset = (Decimal(x) for x in str(paid).split())
        assert amount == owed
        withheld = await scalar(
            self.platform,
            "SELECT coalesce(sum(d.amount), 0) FROM payout.offset_deduction d "
            "JOIN payout.payment p ON p.id = d.payment_id "
            f"WHERE p.person_id = '{person}' AND p.program = 'death_benefit'",
        )
        assert offset == withheld


# The first life of every example fails its first month and dies in the first month paid
# (learned a month later); the others are drawn.
FIRST = st.fixed_dictionaries(
    {
        "adjust": st.none(),
        "correct": st.none(),
        "fail": st.just({0}),
        "suspend": st.none(),
        "death": st.tuples(st.just(1), st.just(1), st.integers(1, 28)),
    }
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lives=st.tuples(FIRST, *([LIFE] * (LIVES - 1))).map(list),
)
@pytest.mark.usefixtures("two_banks")
async def test_random_lives_pay_the_amount_in_force_to_the_fen(infra, monkeypatch, lives) -> None:
    monkeypatch.setenv("PENSION_PAYOUT_WORKER_POLL_SECONDS", "0.05")
    get_settings.cache_clear()
    name = await clone_database(infra)
    platform = make_platform(infra.database_url(name), infra.nats_url)
    try:
        async with running_app(create_app(platform)) as client:
            world = World(client, platform, lives)
            await world.start()
            last = MONTHS + FLUSH - 1
            for t in range(last + 1):
                await world.before(t)
                await run_payroll(client, platform, period(t).strftime("%Y-%m"))
                await world.after(t)
            await world.check(last)
    finally:
        await delete_stream(platform)
        await drop_database(infra, name)
        get_settings.cache_clear()
