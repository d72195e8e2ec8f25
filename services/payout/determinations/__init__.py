"""Benefit determinations (待遇核定): trial, from retirement, review, adjustments."""
