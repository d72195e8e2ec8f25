"""Withdrawals (退保) from enrollment, paid once as one-off payments through the batches."""
