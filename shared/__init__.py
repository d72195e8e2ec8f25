"""Common plumbing for every service: settings, database, events, money, ids, errors, auth."""
