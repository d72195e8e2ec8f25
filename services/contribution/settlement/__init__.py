"""Receipts, their allocation to plans, and crediting the settled person-months."""
