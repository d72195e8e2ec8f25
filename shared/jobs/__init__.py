"""One job mechanism for every long operation, and the agency's calendar (docs/jobs.md)."""
