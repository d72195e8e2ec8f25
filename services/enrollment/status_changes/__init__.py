"""Status history (增减变动): recording changes and reading the history."""
