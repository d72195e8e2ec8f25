"""Dated policy parameters: retirement ages, minimum months, limits."""
