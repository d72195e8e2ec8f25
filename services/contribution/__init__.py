"""Contribution: bases, collection plans, receipts, arrears and audits."""
