"""Dated policy parameters owned by payout."""
