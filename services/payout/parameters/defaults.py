"""Demo defaults of payout's policy parameters (DOMAIN.md; figures marked "check" there).

Loaded by migration 0003 (approved, migration 0029); administrators correct them by
submitting newer versions through `POST /v1/payout/parameters`, in force once a finance user
approves them. Kept out of the migration so that the unit tests can check
every default against its own schema.
"""

# 计发月数 by whole age at retirement (国发〔2005〕38号, used since the 2014-10 reform).
MONTHS_DIVISOR = {
    40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 207, 48: 204, 49: 199,
    50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158, 58: 152, 59: 145,
    60: 139, 61: 132, 62: 125, 63: 117, 64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65,
    70: 56,
}  # fmt: skip

# 平均缴费指数 (loaded by migration 0021): the national weighting, deemed months at the
# deemed index one for one, indices brought in by transfers included (check the province).
AVERAGE_INDEX = {
    "deemed_weight": "1",
    "transferred": True,
    "unindexed_months": "at_actual_average",
    "decimals": 4,
}

# 计发月数 from the gradual retirement-age reform (2025-01): ages in years and months, an age
# between whole years interpolated to a whole month (loaded by migration 0021; check).
MONTHS_DIVISOR_2025 = {
    "table": {str(age): months for age, months in MONTHS_DIVISOR.items()},
    "by_month": {},
    "between_years": "interpolate",
}

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

# Offsets (issue #18, item 6): loaded by migration 0028, in force from the start.
OFFSET_DEDUCTION = {"max_share": "0.20"}


# 个人所得税 on the annuity (财税〔2018〕164号), the tables in force since 2019-01-01 as demo
# defaults: (up_to, rate, quick deduction). Loaded by migration 0022 from 2000-01-01 (every
# month payout pays), so that earlier months are taxed by today's tables (check).
MONTHLY_TAX = [
    ("3000.00", "0.03", "0.00"), ("12000.00", "0.10", "210.00"),
    ("25000.00", "0.20", "1410.00"), ("35000.00", "0.25", "2660.00"),
    ("55000.00", "0.30", "4410.00"), ("80000.00", "0.35", "7160.00"),
    (None, "0.45", "15160.00"),
]  # fmt: skip
YEARLY_TAX = [
    ("36000.00", "0.03", "0.00"), ("144000.00", "0.10", "2520.00"),
    ("300000.00", "0.20", "16920.00"), ("420000.00", "0.25", "31920.00"),
    ("660000.00", "0.30", "52920.00"), ("960000.00", "0.35", "85920.00"),
    (None, "0.45", "181920.00"),
]  # fmt: skip


def annuity_income_tax() -> dict:
    """The default value of `annuity_income_tax`."""
    return {
        name: [{"up_to": u, "rate": r, "quick_deduction": q} for u, r, q in table]
        for name, table in (("monthly", MONTHLY_TAX), ("yearly", YEARLY_TAX))
    }


def default_parameters() -> list[tuple[str, str, dict, str]]:
    """(name, effective_from, value, note) for every default version."""
    rows: list[tuple[str, str, dict, str]] = [
        (
            "months_divisor",
            "2014-10-01",
            {
                "table": {str(age): months for age, months in MONTHS_DIVISOR.items()},
                "by_month": {},
                "between_years": "whole_years",
            },
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
                "floor_after_annuity": "kept",
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


def issue_18_parameters() -> list[tuple[str, str, dict, str]]:
    """(name, effective_from, value, note) of the versions migration 0021 adds."""
    return [
        ("average_index", "2014-10-01", AVERAGE_INDEX, "平均缴费指数: 视同缴费年限加权 (check)"),
        (
            "months_divisor",
            "2025-01-01",
            MONTHS_DIVISOR_2025,
            "计发月数: 渐进式延迟退休后按年龄 (年月) 插值到整月 (check)",
        ),
    ]
