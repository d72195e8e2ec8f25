"""The simulated city's people, generated deterministically (`make simulate-city`).

At scale 1.0: 1,500 units of 100 insured each (150,000) and 50,000 retirees paid before the
system (taken over). Citizen ids are valid and unique: the insured are born 1972-1996, the
retirees 1935-1958, each birth date shared by a few sequence numbers.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from deploy.local.demo import demo_credit_code
from shared.data.ids import citizen_check_char

AREA = "330102"  # the city's area code (the demo county's is 330522)
UNITS = 1_500
INSURED = 150_000
RETIREES = 50_000
CATEGORIES = ("civil_servant", "public_institution_staff", "worker")
INSURED_DAYS = 365 * 24  # birth dates 1972-01-01 onwards: none of age in 2020
RETIREE_DAYS = 365 * 23  # birth dates 1935-01-01 onwards


@dataclass(frozen=True)
class Insured:
    """One insured person of a unit (a row of its import file)."""

    citizen_id: str
    name: str
    category: str
    joined_on: date


@dataclass(frozen=True)
class Unit:
    """A unit and its staff."""

    serial: int
    credit_code: str
    name: str
    staff: list[Insured]


@dataclass(frozen=True)
class Retiree:
    """A retiree paid before the system, with the amount in force."""

    citizen_id: str
    name: str
    retired_on: date
    monthly_amount: Decimal
    account_number: str


def citizen_id(first: date, days: int, i: int) -> str:
    """The i-th valid citizen id among births from `first` over `days` days."""
    birth = first + timedelta(days=i % days)
    seq = i // days
    first17 = f"{AREA}{birth:%Y%m%d}{seq:03d}"
    return first17 + citizen_check_char(first17)


def sizes(scale: float) -> tuple[int, int, int]:
    """Units, insured and retirees at `scale` (at least one unit and one of each)."""
    units = max(1, round(UNITS * scale))
    return units, units * (INSURED // UNITS), max(1, round(RETIREES * scale))


def units(scale: float) -> list[Unit]:
    """The city's units, each with its share of the insured."""
    count, insured, _ = sizes(scale)
    per_unit = insured // count
    out = []
    for serial in range(1, count + 1):
        staff = []
        for k in range(per_unit):
            i = (serial - 1) * per_unit + k
            staff.append(
                Insured(
                    citizen_id(date(1972, 1, 1), INSURED_DAYS, i),
                    f"职工{i + 1:06d}",
                    CATEGORIES[i % 3],
                    date(2015, 1, 1) + timedelta(days=i % 1_500),
                )
            )
        out.append(Unit(serial, demo_credit_code(serial), f"模拟市第{serial}单位", staff))
    return out


def retirees(scale: float) -> list[Retiree]:
    """The retirees taken over, retired at 60 on the first of the month after (by 2018)."""
    _, _, count = sizes(scale)
    out = []
    for i in range(count):
        cid = citizen_id(date(1935, 1, 1), RETIREE_DAYS, i)
        birth = date(int(cid[6:10]), int(cid[10:12]), int(cid[12:14]))
        retired = date(birth.year + 60 + birth.month // 12, birth.month % 12 + 1, 1)
        out.append(
            Retiree(
                cid,
                f"退休{i + 1:06d}",
                retired,
                Decimal(3_000 + (i * 37) % 4_000) + Decimal(i % 100) / 100,
                f"62218800{i:010d}",
            )
        )
    return out


def import_csv(unit: Unit) -> bytes:
    """The unit's staff as the person import's CSV."""
    lines = ["citizen_id,name,staff_category,joined_on"]
    lines += [f"{p.citizen_id},{p.name},{p.category},{p.joined_on.isoformat()}" for p in unit.staff]
    return ("\n".join(lines) + "\n").encode()


def takeover_csv(retirees: list[Retiree], effective_from: str, certified_on: str) -> bytes:
    """Retirees as payout's take-over import's CSV (the vendor system's roster)."""
    lines = [
        "citizen_id,name,retired_on,bank_code,account_number,account_name,effective_from,"
        "monthly_amount,last_certified_on,reason"
    ]
    lines += [
        f"{r.citizen_id},{r.name},{r.retired_on.isoformat()},PSBC,{r.account_number},{r.name},"
        f"{effective_from},{r.monthly_amount},{certified_on},系统上线接管"
        for r in retirees
    ]
    return ("\n".join(lines) + "\n").encode()


def wage(i: int) -> str:
    """A declared monthly wage (whole yuan, above the floor)."""
    return f"{3_600 + (i * 131) % 5_000}.00"
