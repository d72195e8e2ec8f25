"""The province's inbound checks (issue #20 item 3): data-match certifications and
duplicate-receipt findings, and the clerks' list of duplicate receipts."""
