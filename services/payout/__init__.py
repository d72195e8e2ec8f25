"""Payout: benefit determination, payroll, bank batches, death benefits, subsidies."""
