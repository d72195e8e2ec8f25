"""Retirement: the checks, the record, and the event payout determines benefits from."""
