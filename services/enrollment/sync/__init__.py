"""Endpoints the provincial platform calls (province role only)."""
