"""The scheduler's timetable: ``config/schedule.toml`` read into a frozen :class:`ScheduleConfig`.

What runs when is domain data, so it lives in TOML beside ``sources.toml``: the digest times
(wall-clock times in ``timezone``, kept across daylight-saving changes), the random delay added
to source runs, when a failing source is flagged for admins, and the lease that keeps one
scheduler per database. Each source's own interval stays in ``sources.toml``
(``interval_minutes``). A missing file means the defaults below; a wrong field raises
:class:`~aggregator.errors.ConfigError` naming the file and the field, so a typo stops a deploy
instead of silently moving the digests.

``every_seconds`` (under ``[sources]`` or a digest table) replaces the real timetable with a
short fixed interval: that is for the offline demo and tests, never production.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aggregator.clock import HELSINKI
from aggregator.errors import ConfigError

SCHEDULE_FILE = "schedule.toml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FREQUENCIES = ("daily", "weekly")
OnConflict = Literal["standby", "refuse"]


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """When the digest of one frequency goes out: ``at`` local time, on ``weekday`` (0 = Monday)
    or every day when ``weekday`` is None; ``every`` (demo/tests) overrides both."""

    frequency: str
    at: time = time(7, 0)
    weekday: int | None = None
    every: timedelta | None = None


@dataclass(frozen=True, slots=True)
class LeaseConfig:
    """The database lease: held ``ttl`` from each renewal, renewed every ``renew_every``.

    ``on_conflict`` says what a scheduler does when another one holds the lease: ``standby``
    waits and takes over when that lease expires; ``refuse`` exits with a clear message.
    """

    name: str = "scheduler"
    ttl: timedelta = timedelta(seconds=60)
    renew_every: timedelta = timedelta(seconds=15)
    on_conflict: OnConflict = "standby"


DEFAULT_DIGESTS = (
    DigestSchedule("daily"),
    DigestSchedule("weekly", weekday=0),
)


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    """Everything the scheduler needs to know besides the sources themselves."""

    timezone: ZoneInfo = HELSINKI
    jitter: timedelta = timedelta(seconds=60)
    stale_after: timedelta = timedelta(hours=48)
    reload_every: timedelta = timedelta(minutes=5)
    workers: int | None = None  # None: the AGGREGATOR_CRAWL_WORKERS setting
    source_every: timedelta | None = None
    digests: tuple[DigestSchedule, ...] = DEFAULT_DIGESTS
    lease: LeaseConfig = field(default_factory=LeaseConfig)


def demo_schedule(
    source_every: timedelta = timedelta(seconds=20),
    digest_every: timedelta | None = timedelta(minutes=2),
) -> ScheduleConfig:
    """A schedule for the offline demo: every source every 20 s, digests every 2 minutes."""
    digests = tuple(DigestSchedule(f, every=digest_every) for f in FREQUENCIES)
    return ScheduleConfig(
        jitter=timedelta(0),
        reload_every=timedelta(seconds=30),
        source_every=source_every,
        digests=digests if digest_every else DEFAULT_DIGESTS,
        lease=LeaseConfig(ttl=timedelta(seconds=20), renew_every=timedelta(seconds=5)),
    )


def load_schedule_config(path: Path) -> ScheduleConfig:
    """``path`` read and checked; a missing file gives the defaults."""
    if not path.is_file():
        return ScheduleConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the schedule: {exc}") from exc
    top = _Table(data, str(path), {"timezone", "sources", "digests", "lease"})
    sources = _Table(data.get("sources", {}), f"{path} [sources]", _SOURCE_KEYS)
    return ScheduleConfig(
        timezone=_zone(top),
        jitter=sources.seconds("jitter_seconds", 60.0, minimum=0.0),
        stale_after=timedelta(hours=sources.number("stale_after_hours", 48.0, minimum=0.0)),
        reload_every=sources.seconds("reload_seconds", 300.0),
        workers=int(sources.number("workers", 1, minimum=1))
        if "workers" in sources.table
        else None,
        source_every=sources.optional_seconds("every_seconds"),
        digests=_digests(data.get("digests"), f"{path} [digests]"),
        lease=_lease(_Table(data.get("lease", {}), f"{path} [lease]", _LEASE_KEYS)),
    )


_SOURCE_KEYS = {"jitter_seconds", "stale_after_hours", "reload_seconds", "workers", "every_seconds"}
_LEASE_KEYS = {"name", "ttl_seconds", "renew_seconds", "on_conflict"}
_DIGEST_KEYS = {"at", "day", "every_seconds"}


class _Table:
    """Typed access to one TOML table; errors name the file, the table and the field."""

    def __init__(self, table: object, where: str, allowed: set[str]) -> None:
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(allowed)}")
        self.table: dict[str, Any] = table
        self.where = where

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: field {key!r}: {problem}")

    def number(self, key: str, default: float, *, minimum: float) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum:g}, got {value}")
        return float(value)

    def seconds(self, key: str, default: float, *, minimum: float = 0.001) -> timedelta:
        return timedelta(seconds=self.number(key, default, minimum=minimum))

    def optional_seconds(self, key: str) -> timedelta | None:
        return self.seconds(key, 0.0) if key in self.table else None

    def text(self, key: str, default: str) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, got {value!r}")
        return value.strip()


def _zone(top: _Table) -> ZoneInfo:
    name = top.text("timezone", "Europe/Helsinki")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise top.fail("timezone", f"unknown time zone {name!r}") from None


def _digests(raw: object, where: str) -> tuple[DigestSchedule, ...]:
    if raw is None:
        return DEFAULT_DIGESTS
    tables = _Table(raw, where, set(FREQUENCIES)).table
    return tuple(_digest(frequency, tables[frequency], where) for frequency in sorted(tables))


def _digest(frequency: str, raw: object, where: str) -> DigestSchedule:
    table = _Table(raw, f"{where}.{frequency}", _DIGEST_KEYS)
    day = table.text("day", "monday").lower() if frequency == "weekly" else None
    if frequency == "daily" and "day" in table.table:
        raise table.fail("day", "a daily digest has no day")
    if day is not None and day not in WEEKDAYS:
        raise table.fail("day", f"must be one of {list(WEEKDAYS)}, got {day!r}")
    return DigestSchedule(
        frequency=frequency,
        at=_clock_time(table),
        weekday=None if day is None else WEEKDAYS.index(day),
        every=table.optional_seconds("every_seconds"),
    )


def _clock_time(table: _Table) -> time:
    text = table.text("at", "07:00")
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise table.fail("at", f"must be a time like '07:00', got {text!r}") from None
    if parsed.tzinfo is not None:
        raise table.fail("at", "give a wall-clock time without offset (the zone is 'timezone')")
    return parsed


def _lease(table: _Table) -> LeaseConfig:
    ttl = table.seconds("ttl_seconds", 60.0)
    renew = table.seconds("renew_seconds", 15.0)
    if renew * 2 > ttl:
        raise table.fail("renew_seconds", "renew at least twice per lease (ttl / 2 at most)")
    on_conflict = table.text("on_conflict", "standby")
    if on_conflict not in ("standby", "refuse"):
        raise table.fail("on_conflict", f"must be 'standby' or 'refuse', got {on_conflict!r}")
    return LeaseConfig(
        name=table.text("name", "scheduler"),
        ttl=ttl,
        renew_every=renew,
        on_conflict=cast(OnConflict, on_conflict),
    )
