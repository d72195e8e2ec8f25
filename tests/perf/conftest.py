"""Benchmarks print figures; they never fail on a number."""

import pytest


def report(title: str, **figures: object) -> None:
    """Print one benchmark's figures in a stable, greppable form."""
    line = ", ".join(f"{k}={v}" for k, v in figures.items())
    print(f"\nBENCH {title}: {line}", flush=True)


@pytest.fixture
def bench_report():
    """The report function."""
    return report


@pytest.fixture(autouse=True)
def _every_post_keyed(idempotency_keys_on_every_post: None) -> None:
    """Every POST the benchmarks send carries an Idempotency-Key (tests/conftest.py)."""
