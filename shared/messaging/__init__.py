"""Messaging: the outbox, its relay and publisher, the event bus, consumers and dead letters."""
