"""Bulk import of a unit's staff from CSV or XLSX."""
