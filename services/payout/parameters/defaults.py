"""Demo defaults of payout's policy parameters (DOMAIN.md; figures marked "check" there).

Loaded by migration 0003; administrators correct them by adding newer versions through
`POST /v1/payout/parameters`. Kept out of the migration so that the unit tests can check
every default against its own schema.
"""

# 计发月数 by whole age at retirement (国发〔2005〕38号, used since the 2014-10 reform).
MONTHS_DIVISOR = {
    40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 207, 48: 204, 49: 199,
    50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158, 58: 152, 59: 145,
    60: 139, 61: 132, 62: 125, 63: 117, 64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65,
    70: 56,
}  # fmt: skip

# Demo 计发基数 (last year's local average monthly wage), in force from 1 January.
WAGE_BASES = {
    2014: "4012.00", 2015: "4297.00", 2016: "4580.00", 2017: "4871.00", 2018: "5219.00",
    2019: "5552.00", 2020: "5946.00", 2021: "6298.00", 2022: "6732.00", 2023: "7015.00",
    2024: "7339.00", 2025: "7593.00", 2026: "7862.00",
}  # fmt: skip

# 限高: share of the excess kept, 10% to 2015-12, then ten points more each year to 100%.
SHARES = (
    [("2015-12-31", "0.10")]
    + [(f"{year}-12-31", f"{(year - 2014) / 10:.2f}") for year in range(2016, 2024)]
    + [("2024-09-30", "1.00")]
)

SUBSIDIES = {
    "living_subsidy": ("生活补贴", "6000.00"),
    "survivor_pension": ("遗属生活补助", "1500.00"),
    "transport_nursing": ("交通护理补贴", "300.00"),
    "hardship_aid": ("困难补助", "500.00"),
}


# Plausible amounts (issue #17): loaded by migration 0020, in force from the start.
AMOUNT_BOUNDS = {
    "subsidy_max_multiple": "2.00",
    "one_off_ceiling": "500000.00",
    "monthly_ceiling": "50000.00",
    "correction_max_difference": "5000.00",
    "adjustment_max_fixed": "2000.00",
    "wage_max": "100000.00",
    "allowances_max": "20000.00",
    "balance_max": "5000000.00",
    "index_max": "3.000000",
}

# Offsets (issue #18, item 6): loaded by migration 0022, in force from the start.
OFFSET_DEDUCTION = {"max_share": "0.20"}


def default_parameters() -> list[tuple[str, str, dict, str]]:
    """(name, effective_from, value, note) for every default version."""
    rows: list[tuple[str, str, dict, str]] = [
        (
            "months_divisor",
            "2014-10-01",
            {"table": {str(age): months for age, months in MONTHS_DIVISOR.items()}},
            "计发月数表 (国发〔2005〕38号)",
        ),
        ("transition_coefficient", "2014-10-01", {"rate": "0.012"}, "过渡系数 1.2% (check)"),
        (
            "transition_comparison",
            "2014-10-01",
            {
                "period_start": "2014-10-01",
                "period_end": "2024-09-30",
                "ratios": [
                    {"min_years": 35, "ratio": "0.90"},
                    {"min_years": 30, "ratio": "0.85"},
                    {"min_years": 20, "ratio": "0.80"},
                    {"min_years": 10, "ratio": "0.70"},
                ],
                "shares": [{"until": until, "share": share} for until, share in SHARES],
            },
            "过渡期保低限高: 老办法比例与超出部分计发比例 (check)",
        ),
        (
            "death_benefit",
            "2014-10-01",
            {"funeral_grant": "5000.00", "survivor_months": 20, "survivor_base": "last_benefit"},
            "丧葬补助金与一次性抚恤金 (check)",
        ),
        (
            "certification",
            "2014-10-01",
            {"period_months": 12, "grace_days": 30, "due_soon_days": 30},
            "资格认证周期与宽限期 (check)",
        ),
    ]
    rows += [
        ("wage_base", f"{year}-01-01", {"amount": amount}, f"demo: 计发基数 for {year}")
        for year, amount in WAGE_BASES.items()
    ]
    rows += [
        (
            f"subsidy.{program}",
            "2014-10-01",
            {"label": label, "quarterly_amount": amount},
            f"demo: {label} per person and quarter",
        )
        for program, (label, amount) in SUBSIDIES.items()
    ]
    return rows
