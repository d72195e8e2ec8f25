"""Imports into contribution (the wage upload of a declaration): kept reports and templates."""
