"""Parameters the provincial platform publishes that contribution keeps (the average wage)."""
