"""Enrollment: employer units, insured persons, status history and accounts."""
