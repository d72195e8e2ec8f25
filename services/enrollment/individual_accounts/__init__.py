"""Individual accounts: postings, balances, interest."""
