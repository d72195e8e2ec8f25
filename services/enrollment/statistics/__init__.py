"""Yearly statistics of the insured population."""
