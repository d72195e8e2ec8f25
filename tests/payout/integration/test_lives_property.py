"""Random lives through the real payout service (issue #18): for every month and program,
paid + written off − recovered (returned, withheld by offsets, waived) = the amount in
force, to the fen, nothing paid twice; and the estate of a deceased retiree is paid exactly
what it is owed.

Each example is a database of its own with LIVES retirees lived month by month from
2025-04 (MONTHS months, then FLUSH more so that re-issues and offsets finish): 调待 in any
order (a later-dated one entered before an earlier one, effective in the past or the
future), corrections of any input (basic or annuity balance, 计发基数, transition
coefficient, age, deemed months; also from before a 调待, also of months already paid),
suspensions of one to three months (certification overdue, then certified again), failed
pension and annuity lines the clerk retries or two people write off, one run whose lines
the bank answers two runs late, overpayments returned in cash, offset against later
pensions or the death benefits, or written off by two people, and deaths in any month
including the retirement month (before anything is paid), learned up to two months late.
Size: EXAMPLES × LIVES lives × (MONTHS + FLUSH) months. Old-method standards are not drawn
(these lives retire after the transition period; their correction is tested in
test_determination_lifecycle.py).
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.payout.config import get_settings
from services.payout.main import create_app
from shared.contracts import EventEnvelope, PersonDeceased
from shared.data.clock import agency_today
from tests.conftest import auth_headers, delete_stream, make_platform, running_app
from tests.enrollment.helpers import scalar
from tests.infra import clone_database, drop_database
from tests.job_wait import finished
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
from tests.shared.integration.helpers import eventually
from tests.support.payout_banks import PSBC, post_results, two_banks  # noqa: F401
from tests.support.payout_deaths import SURVIVOR

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIVES, MONTHS, FLUSH, EXAMPLES = 5, 6, 2, 6
SUSPENDED = 1
BASIC, ANNUITY = "basic_pension", "occupational_annuity"
RETIREMENT_MONTH = -1  # a death "months back" value: in the retirement month, 2025-03

# Corrections a clerk may enter (input, value): each moves the monthly amounts, both ways.
CORRECTIONS = [
    ("basic_balance", "81000.00"),
    ("wage_base", "7800.00"),
    ("age_months", 63 * 12),
    ("transition_coefficient", "0.014"),
    ("basic_balance", "121000.00"),
    ("annuity_balance", "40000.00"),
    ("wage_base", "7400.00"),
    ("age_months", 66 * 12 + 6),
    ("deemed_months", 96),
]


def period(t: int) -> date:
    """The month of step t (0 is 2025-04, the first month paid)."""
    return date(2025, 4 + t, 1)


# Each choice lists its most telling value first: Hypothesis starts from the simplest
# example (the first of each), so even the first example retries, offsets and recovers.
LIFE = st.fixed_dictionaries(
    {
        # 调待: (entered before step, effective month, fixed amount), in any order.
        "adjust": st.lists(
            st.tuples(st.integers(0, MONTHS - 1), st.integers(0, MONTHS - 1), st.integers(1, 300)),
            max_size=2,
        ),
        # 更正: (entered before step, months back, what is corrected).
        "correct": st.lists(
            st.tuples(
                st.integers(1, MONTHS - 1),
                st.sampled_from([1, 0, 2, 3]),
                st.sampled_from(CORRECTIONS),
            ),
            max_size=2,
        ),
        # (step, program) of lines the bank fails the first time.
        "fail": st.sets(
            st.tuples(st.integers(0, MONTHS - 1), st.sampled_from([BASIC, ANNUITY])), max_size=2
        ),
        # Failed lines written off by two people instead of re-issued.
        "write_off": st.booleans(),
        # How the life's overpayments are recovered.
        "recover": st.sampled_from(["offset", "cash", "waived"]),
        # Suspended (certification overdue) before step SUSPENDED, certified again k steps on.
        "suspend": st.one_of(st.none(), st.integers(1, 3)),
        # (learned before step, months before that it happened, day): any month paid, or
        # the retirement month.
        "death": st.one_of(
            st.none(),
            st.tuples(
                st.integers(0, MONTHS),
                st.sampled_from([1, 0, 2, RETIREMENT_MONTH]),
                st.integers(1, 28),
            ),
        ),
    }
)


class World:
    """One example: the app, its lives and the clerks' routine after each run."""

    def __init__(self, client, platform, lives: list[dict], late: int | None) -> None:
        self.client, self.platform, self.lives, self.late = client, platform, lives, late
        self.people: list[dict] = []
        self.held: set[str] = set()  # the late run's lines, answered two runs later
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
        if back == RETIREMENT_MONTH:
            return learned, date(2025, 3, max(day, 16))  # retired on 2025-03-15
        return learned, date(2025, 4 + max(0, learned - back), day)

    def known_dead(self, t: int) -> set[str]:
        return {
            p["id"]
            for n, p in enumerate(self.people)
            if (d := self.died(n)) is not None and d[0] <= t
        }

    async def before(self, t: int) -> None:
        """What happens to each life before the run of step t."""
        if t == SUSPENDED and any(life["suspend"] for life in self.lives):
            # Those never certified are overdue (retired 2025-03-15, 12 months and 30 days).
            r = await finished(
                self.client,
                await self.client.post(
                    "/v1/payout/certification/suspension-runs",
                    headers=self.clerk | key(),
                    json={"as_of": "2026-04-15"},
                ),
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
                today = agency_today().isoformat()
                resumed = await resume(
                    self.client, self.platform, person["id"], today, self.clerk, "data_match"
                )
                assert resumed["resumed"]
            for entered, month, amount in life["adjust"]:
                if entered == t:
                    await self.decide(
                        person["id"],
                        f"/v1/payout/retirees/{person['id']}/adjustments",
                        {
                            "effective_from": period(month).isoformat(),
                            "fixed_amount": f"{amount}.00",
                            "reason": "调待",
                        },
                    )
            for entered, back, (name, value) in life["correct"]:
                if entered == t:
                    await self.decide(
                        person["id"],
                        f"/v1/payout/determinations/{person['first']['id']}/corrections",
                        {
                            "effective_from": period(max(0, t - back)).isoformat(),
                            name: value,
                            "reason": "更正",
                        },
                    )
        # The clerk deals with the cases the deaths opened before the run.
        await self.resolve_cases(t)

    async def decide(self, person: str, path: str, body: dict) -> None:
        """Make a 调待 or correction and review it, with every later one recomputed on it."""
        r = await self.client.post(path, headers=self.clerk | key(), json=body)
        assert r.status_code == 201, r.text
        found = await self.client.get(
            f"/v1/payout/retirees/{person}/determinations", headers=self.finance
        )
        waiting = sorted(
            (d for d in found.json()["items"] if d["status"] in ("pending", "checked")),
            key=lambda d: d["seq"],
        )
        for d in waiting:
            await review(self.client, self.platform, d["id"], "clerk-b", "clerk-c")

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

    def life_of(self, person: str) -> dict | None:
        index = {p["id"]: n for n, p in enumerate(self.people)}
        n = index.get(person)
        return None if n is None else self.lives[n]

    async def answer(self, t: int) -> None:
        """The bank answers the lines sent (the late run's two runs late)."""
        rows = await scalar(
            self.platform,
            "SELECT coalesce(json_agg(json_build_array(id::text, person_id::text, program, "
            "period::text, reissue_of IS NULL AND difference_id IS NULL)), '[]') "
            "FROM payout.payment WHERE status = 'sent'",
        )
        if t == self.late:
            self.held = {ref for ref, *_ in rows}  # type: ignore[union-attr]
        lines = []
        for ref, person, program, month, regular in rows:  # type: ignore[union-attr]
            if ref in self.held and self.late is not None and t < self.late + 2:
                continue
            life = self.life_of(person)
            fails = (
                life is not None
                and regular
                and any(period(s).isoformat() == month and p == program for s, p in life["fail"])
            )
            lines.append(
                {"reference": ref, "outcome": "failed", "reason_code": "account_frozen"}
                if fails
                else {"reference": ref, "outcome": "paid"}
            )
        if lines:
            r = await post_results(self.client, self.platform, lines, bank=PSBC)
            assert r.status_code == 200, r.text

    async def resolve_cases(self, t: int) -> None:
        """Each open case as the life says: cash (returned by the bank for a month after
        the death, by the heirs or the retiree otherwise), an offset or a write-off (both
        approved by a second person)."""
        dead = self.known_dead(t)
        cases = (
            await self.client.get("/v1/payout/recoveries?status=open", headers=self.finance)
        ).json()["items"]
        for case in cases:
            life = self.life_of(case["person_id"])
            how = "offset" if life is None else life["recover"]
            if how == "cash":
                n = next(i for i, p in enumerate(self.people) if p["id"] == case["person_id"])
                died = self.died(n)
                after = died is not None and case["period"] > died[1].isoformat()
                method = (
                    "bank_return"
                    if after
                    else "heirs_refund"
                    if case["person_id"] in dead
                    else "retiree_refund"
                )
            else:
                method = how
            r = await self.client.post(
                f"/v1/payout/recoveries/{case['id']}/resolve",
                headers=self.finance | key(),
                json={"method": method},
            )
            assert r.status_code == 200, r.text
            if method in ("offset", "waived"):
                await approve(
                    self.client, self.platform, f"/v1/payout/recoveries/{case['id']}/approve"
                )

    async def after(self, t: int) -> None:
        """The bank answers; the clerks retry or write off, recover and grant."""
        await self.answer(t)
        deceased = self.known_dead(t)
        owed = (await self.client.get("/v1/payout/failed-lines", headers=self.finance)).json()[
            "items"
        ]
        for line in owed:
            if line["decision"] is not None or line["person_id"] in deceased:
                continue
            life = self.life_of(line["person_id"])
            url = f"/v1/payout/failed-lines/{line['payment_id']}"
            if life is not None and life["write_off"]:
                r = await self.client.post(
                    f"{url}/write-off", headers=self.finance | key(), json={"reason": "本人放弃"}
                )
                assert r.status_code == 201, r.text
                await approve(self.client, self.platform, f"{url}/write-off/approve")
            else:
                r = await self.client.post(
                    f"{url}/retry", headers=self.finance | key(), json={"reason": "冻结已解除"}
                )
                assert r.status_code == 200, r.text
        await self.resolve_cases(t)
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
            "status)), '[]') FROM payout.recovery "
            "WHERE status NOT IN ('recovered', 'void', 'waived')",
        )
        assert left == [], ("every overpayment was recovered in full", left, self.lives)
        # What offsets withheld for a case since void went back to the estate, each once.
        not_given_back = await scalar(
            self.platform,
            "SELECT count(*) FROM payout.offset_deduction d "
            "JOIN payout.recovery c ON c.id = d.recovery_id "
            "JOIN payout.payment p ON p.id = d.payment_id "
            "WHERE c.status = 'void' AND p.status = 'paid' AND d.refund_one_off_id IS NULL",
        )
        assert not_given_back == 0
        assert (await self.client.get("/v1/payout/failed-lines", headers=self.finance)).json()[
            "items"
        ] == []
        # Nothing twice: one regular line per person, program and month (a failed one beside
        # its replacement), and each difference paid once.
        assert (
            await scalar(
                self.platform,
                "SELECT count(*) FROM (SELECT 1 FROM payout.payment WHERE status <> 'reissued' "
                "AND difference_id IS NULL AND program IN ('basic_pension', "
                "'occupational_annuity') GROUP BY person_id, program, period "
                "HAVING count(*) > 1) d",
            )
            == 0
        )
        for n, person in enumerate(self.people):
            await self.check_life(n, person, last)

    async def check_life(self, n: int, person: dict, last: int) -> None:
        pid, dead = person["id"], self.died(n)
        last_month = period(last) if dead is None else dead[1].replace(day=1)
        determinations = (
            await self.client.get(f"/v1/payout/retirees/{pid}/determinations", headers=self.finance)
        ).json()["items"]
        assert not [d for d in determinations if d["status"] in ("pending", "checked")]
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
        written_off = await self.by_month(
            pid,
            "SELECT p.program, p.period AS month, p.amount FROM payout.failed_line_decision f "
            "JOIN payout.payment p ON p.id = f.payment_id WHERE f.person_id = '{person}' "
            "AND f.action = 'write_off' AND f.status = 'approved'",
        )
        # Withheld for cases that stand (a void case's deductions went back to the estate).
        withheld = await self.by_month(
            pid,
            "SELECT c.program, c.period AS month, d.amount FROM payout.offset_deduction d "
            "JOIN payout.recovery c ON c.id = d.recovery_id "
            "JOIN payout.payment p ON p.id = d.payment_id "
            "WHERE c.person_id = '{person}' AND p.status = 'paid' AND c.status <> 'void'",
        )
        returned = await self.by_month(
            pid,
            "SELECT program, period AS month, amount FROM payout.recovery "
            "WHERE person_id = '{person}' AND (status = 'waived' "
            "OR (status = 'recovered' AND method <> 'offset'))",
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
                # A line written off for a month after the death was never owed: it settles
                # nothing (the write-off was decided before the death was known).
                forgone = written_off[k] if month <= last_month else Decimal("0.00")
                settled = paid[k] + forgone - returned[k] - withheld[k]
                assert settled == due, (n, self.lives[n], k, settled, due)
        if dead is not None:
            await self.check_estate(pid)

    async def check_estate(self, person: str) -> None:
        """The estate is paid once what it is owed: the benefits, the back pay of months up
        to the death, the failed months and what offsets of void cases withheld, less what
        offsets withheld from it."""
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
        owed += Decimal(
            await scalar(
                self.platform,
                "SELECT coalesce(sum(amount), 0) FROM payout.offset_deduction "
                f"WHERE person_id = '{person}' AND refund_one_off_id IS NOT NULL",
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


# Fixed lives first, then drawn ones. The first fails its first month and dies in it
# (learned a month later). The second has its 调待 entered out of order (the later-dated
# first), a correction of the 计发基数 from before a 调待, a failed annuity line written off
# and its overpayments returned in cash. The third dies in April, learned in June while
# May's lines are still with the bank (the late run, in the first example): May's
# pension, offset against the death benefits, then fails, so that case is void and what
# was withheld goes back to the estate. The fourth dies in the retirement month.
FIRST = st.fixed_dictionaries(
    {
        "adjust": st.just([]),
        "correct": st.just([]),
        "fail": st.just({(0, BASIC)}),
        "write_off": st.just(False),
        "recover": st.just("offset"),
        "suspend": st.none(),
        "death": st.tuples(st.just(1), st.just(1), st.integers(1, 28)),
    }
)
SECOND = st.fixed_dictionaries(
    {
        "adjust": st.just([(1, 4, 120), (2, 1, 80)]),
        "correct": st.just([(3, 3, ("wage_base", "7400.00"))]),
        "fail": st.just({(2, ANNUITY)}),
        "write_off": st.just(True),
        "recover": st.just("cash"),
        "suspend": st.none(),
        "death": st.none(),
    }
)
THIRD = st.fixed_dictionaries(
    {
        "adjust": st.just([]),
        "correct": st.just([]),
        "fail": st.just({(1, BASIC)}),
        "write_off": st.just(False),
        "recover": st.just("offset"),
        "suspend": st.none(),
        "death": st.tuples(st.just(2), st.just(2), st.integers(1, 28)),
    }
)
FOURTH = LIFE.map(lambda life: life | {"death": (1, RETIREMENT_MONTH, 20)})


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lives=st.tuples(FIRST, SECOND, THIRD, FOURTH, *([LIFE] * (LIVES - 4))).map(list),
    late=st.sampled_from([1, None, 0, 2, 3, 4]),
)
@pytest.mark.usefixtures("two_banks")
# About 70 s alone; the suite's 120 s would cut it on a machine busy with other work.
@pytest.mark.timeout(300)
async def test_random_lives_pay_the_amount_in_force_to_the_fen(
    infra, monkeypatch, lives, late
) -> None:
    monkeypatch.setenv("PENSION_PAYOUT_WORKER_POLL_SECONDS", "0.05")
    get_settings.cache_clear()
    name = await clone_database(infra)
    platform = make_platform(infra.database_url(name), infra.nats_url)
    try:
        async with running_app(create_app(platform)) as client:
            world = World(client, platform, lives, late)
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
