"""Insured persons (参保人员)."""
