"""Payee account changes (changing where a pension is paid) with a second user's approval."""
