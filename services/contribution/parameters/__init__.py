"""Dated policy parameters owned by contribution."""
