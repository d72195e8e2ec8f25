"""The disclosure report (部门决算公开): HTML with charts, XLSX tables, the county roll-up."""
