"""Pure payout rules: benefit formulas, comparison, periods; no I/O."""
