"""Reversing a receipt recorded in error, approved by a second user."""
