"""Pure contribution rules: no I/O."""
