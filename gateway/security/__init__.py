"""Revocations, login throttling and shared rate limits, kept in the gateway schema."""
