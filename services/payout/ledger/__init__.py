"""Disbursement ledger (拨付台帐): what was paid, settled per program and period."""
