"""The demo county is planned offline to look like the seed's county (issue #10, item 8)."""

from deploy.local.demo import build_county, plan_year, planned_figures

# The seed (2020 final accounts): 11,513 insured against a target of 11,500, 1,701 status
# changes, about 1,200 retirees (management budget of 30 yuan per retiree).
SEED = {"insured": 11_513, "changes": 1_701, "retirees": 1_200}


def test_the_planned_year_lands_within_one_percent_of_the_seed() -> None:
    county = build_county()
    figures = planned_figures(county, plan_year(county))
    for name, seed in SEED.items():
        assert abs(figures[name] - seed) <= seed / 100, (name, figures[name], seed)
    assert figures["transfers"] > 0


def test_the_plan_is_the_same_every_time_and_nearly_every_unit_is_notional() -> None:
    county = build_county()
    assert plan_year(county) == plan_year(build_county())
    funded = [u for u in county if u.funding_type != "full"]
    assert 0 < len(funded) <= len(county) * 0.03
