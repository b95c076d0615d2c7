"""Run a coroutine to completion on a fresh event loop in its own thread.

Playwright's sync API (the browser tests) keeps an event loop running in the main thread for
the whole session, so ``asyncio.run`` there fails with "cannot be called from a running event
loop" when a browser test ran earlier in the same worker. A thread of its own has no loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` in a new thread; exceptions propagate to the caller."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=target, name="test-event-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["value"]
    return result
