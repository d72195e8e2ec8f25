"""Banks: batches, bank files (报盘), signed results (回盘), reconciliation."""
