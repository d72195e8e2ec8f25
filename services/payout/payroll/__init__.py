"""Monthly payroll (养老金社会化发放): runs as jobs, payments once, batches per bank."""
