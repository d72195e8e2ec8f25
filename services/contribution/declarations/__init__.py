"""Yearly base declarations (缴费基数申报) and their review."""
