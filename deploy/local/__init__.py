"""The local runner: embedded PostgreSQL and NATS, migrations, processes."""
