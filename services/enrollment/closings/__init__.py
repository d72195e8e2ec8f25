"""Account closings: interest to the closing date, supplements after it."""
