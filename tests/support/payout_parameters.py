"""A trial calculation's input for payout's parameters."""

TRIAL = {
    "wage_base": "5946.00",
    "average_index": "1.1",
    "contribution_years": "35",
    "deemed_years": "10",
    "deemed_index": "1.1",
    "transition_coefficient": "0.012",
    "basic_balance": "139000.00",
    "annuity_balance": "69500.00",
    "retirement_age": 60,
}
