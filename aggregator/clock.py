"""Injectable clocks, so schedules, backoff and "closing in 14 days" are testable.

Everything that asks "what time is it" takes a :class:`Clock`. Production uses
:class:`SystemClock`; tests use :class:`FixedClock` and move it by hand.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait (a fixed clock advances instead)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FixedClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly.

    Safe to share between threads (a crawl pass sleeps in several): every move is made under
    a lock, so two threads sleeping at once move it by both their waits.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken as Europe/Helsinki wall time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HELSINKI)
    return moment.astimezone(UTC)


def helsinki_date(moment: datetime) -> date:
    """The calendar date in Helsinki of an aware moment."""
    return moment.astimezone(HELSINKI).date()


def end_of_day(day: date) -> datetime:
    """23:59:59 Helsinki time on ``day``, in UTC: the moment a date-only deadline passes."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=HELSINKI).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """Midnight Helsinki time on ``day``, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=HELSINKI).astimezone(UTC)
