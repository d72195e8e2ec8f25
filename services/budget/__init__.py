"""Budget: the agency's departmental budget, final accounts and performance report."""
