"""Local subsidies (地方性补贴): entitlements and quarterly runs through the batches."""
