"""Arrears and yearly collection reports."""
