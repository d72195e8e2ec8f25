"""HTTP: the service app factory, auth, errors, idempotency, pagination, bank signatures."""
