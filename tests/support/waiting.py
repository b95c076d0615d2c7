"""Waiting for a condition in tests that drive real threads and processes.

A test waits for what it needs to see (a lease row, a job state, a log line), never for a fixed
time. The deadline only bounds a hang: on a loaded two-core CI machine a fresh ``python
scheduler.py`` spends several seconds importing before it touches the database, so a deadline
near the unloaded time fails the test without anything being wrong. ``HANG_BOUND`` is far above
any honest wait and short enough that a real hang still ends the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

HANG_BOUND = 120.0  # seconds


def wait_until(
    condition: Callable[[], object], timeout: float = HANG_BOUND, *, poll: float = 0.05
) -> None:
    """Return once ``condition()`` is true; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {condition}")
        time.sleep(poll)
