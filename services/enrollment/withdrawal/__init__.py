"""Withdrawal (退保): only where the rules allow; the balances leave the accounts."""
