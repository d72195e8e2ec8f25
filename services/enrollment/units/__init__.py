"""Employer units (参保单位)."""
