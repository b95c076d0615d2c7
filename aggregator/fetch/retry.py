"""When to try a request again, and how long to wait first.

Timeouts, connection errors, 429 and 5xx answers are retried with exponential backoff
(``backoff_base * 2**(attempt-1)`` plus up to 10 % jitter, so sources that failed together do
not all come back in the same second), never waiting longer than ``backoff_max``. On 429 and
503 a ``Retry-After`` header (seconds or an HTTP date) replaces the backoff, also capped at
``backoff_max``: a server asking for an hour must not stall a crawl thread for an hour.
"""

from __future__ import annotations

import random
from datetime import datetime
from email.utils import parsedate_to_datetime

JITTER = 0.1
RETRY_AFTER_STATUSES = frozenset({429, 503})


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    delay = base * 2 ** (attempt - 1)
    jittered: float = delay * (1 + rng.uniform(0, JITTER))
    return min(cap, jittered)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` value asks us to wait, or None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # HTTP dates are GMT by definition
        return None
    return max(0.0, (moment - now).total_seconds())
