"""Waiting for a condition in end-to-end tests."""

import time


def until(check, within: float = 30.0):
    """Poll until check() returns something truthy."""
    deadline = time.monotonic() + within
    while not (found := check()):
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)
    return found
