"""Printable 待遇核定表 per determination and payment notice per retiree and year."""
