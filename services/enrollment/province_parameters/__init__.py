"""Parameters the provincial platform publishes that enrollment keeps (记账利率)."""
