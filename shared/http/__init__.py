"""HTTP: auth, errors, idempotency, pagination, bank signatures, the shared routers."""
