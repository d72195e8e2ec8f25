"""Unit audits (稽核) and their findings."""
