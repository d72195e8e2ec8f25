"""Parameters the provincial platform publishes (计发基数, the year's 调待 rule)."""
