"""Per-host politeness: one request at a time per host, with a pause between them.

The scheduler may run several sources in threads, and several sources read the same host
(kotoutuminen.fi has a news list and five audience pages). Each host gets its own lock, held
for the whole request, and the next request to that host starts at least ``delay`` seconds after
the previous one *finished*. Waiting goes through the injected clock, so tests with
:class:`~aggregator.clock.FixedClock` see the waits in ``clock.slept`` without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from aggregator.clock import Clock


class HostPacer:
    """Spaces requests to the same host; requests to different hosts do not wait for each other."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._finished_at: dict[str, datetime] = {}

    @contextmanager
    def turn(self, host: str, delay: float) -> Iterator[None]:
        """Wait until ``host`` may be asked again, then hold it for the duration of the block."""
        with self._lock_for(host):
            self._wait(host, delay)
            try:
                yield
            finally:
                self._finished_at[host] = self._clock.now()

    def _lock_for(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def _wait(self, host: str, delay: float) -> None:
        finished = self._finished_at.get(host)
        if finished is None or delay <= 0:
            return
        remaining = delay - (self._clock.now() - finished).total_seconds()
        if remaining > 0:
            self._clock.sleep(remaining)
