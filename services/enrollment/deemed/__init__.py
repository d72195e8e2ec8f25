"""Deemed contribution periods (视同缴费), with their documents and approvals."""
