"""Actual spending paid by payout, against the budget lines of the same classification code."""
