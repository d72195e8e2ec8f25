"""Pure enrollment rules: no I/O."""
