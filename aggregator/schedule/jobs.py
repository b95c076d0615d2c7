"""Pure timing decisions of the scheduler: when each job runs next, and whether a source is due.

Nothing here reads a clock or a database; the wiring in :mod:`.service` passes ``now`` in from
the injected clock, so tests check every rule with fixed moments (around daylight-saving
changes, after downtime, during backoff) without sleeping.

Job ids: ``source:<source id>`` for a crawl of one source, ``digest:<frequency>`` for the
daily and weekly digests.

Wall-clock jobs (digests) run at most once per local day. A time the spring change skips
(03:30 on the last Sunday of March in Helsinki) runs at the moment the clocks jump, an hour
"late" on the wall clock; a time the autumn change repeats runs at its first occurrence only.
APScheduler's ``CronTrigger`` fires twice in that repeated hour, which would send a digest
twice, so the digest jobs of :mod:`.service` fire by :func:`timetable` instead.

Sources honour their health (:mod:`aggregator.health`): ``run_source`` stores ``next_due_at``
(the interval after a good run, capped exponential backoff after failures) and the scheduler
runs the source then, plus a random delay (jitter) so sources on one host do not start
together. A source due in the past (the scheduler was down) runs once, now: missed runs are
coalesced by construction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aggregator.health import BackoffPolicy, Health, retry_delay
from aggregator.schedule.config import DigestSchedule

SOURCE_JOB = "source"
DIGEST_JOB = "digest"
# A run may start this much before its due time (clock granularity, a scheduler waking early).
DUE_SLACK = timedelta(seconds=5)
# How far to count missed runs after downtime (for the log line only).
MAX_COUNTED_MISSES = 1000

NextFire = Callable[[datetime], datetime]


def source_job_id(source_id: str) -> str:
    return f"{SOURCE_JOB}:{source_id}"


def digest_job_id(frequency: str) -> str:
    return f"{DIGEST_JOB}:{frequency}"


def split_job_id(job_id: str) -> tuple[str, str]:
    """``("source", "keha-uutiset")`` from ``"source:keha-uutiset"``."""
    kind, _, target = job_id.partition(":")
    return kind, target


# --- wall-clock jobs (digests) ----------------------------------------------------------------


def wall_clock_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment when clocks in ``zone`` show ``at`` on ``day`` (the first, if twice).

    ``fold=0`` gives a skipped time the offset from before the change, so it lands on the
    moment the clocks jump forward (03:30 becomes 04:30 summer time).
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_wall_clock_run(
    after: datetime, at: time, zone: ZoneInfo, weekday: int | None = None
) -> datetime:
    """The first moment strictly after ``after`` when ``zone`` shows ``at`` (on ``weekday``)."""
    first_day = after.astimezone(zone).date()
    for offset in range(8):
        day = first_day + timedelta(days=offset)
        if weekday is not None and day.weekday() != weekday:
            continue
        moment = wall_clock_moment(day, at, zone)
        if moment > after:
            return moment
    raise AssertionError("a matching day exists within eight days")


def timetable(schedule: DigestSchedule, zone: ZoneInfo) -> NextFire:
    """The digest's next run after a moment: its wall-clock time, or ``every`` (demo/tests)."""
    every = schedule.every
    if every is not None:
        return lambda moment: moment + every
    return lambda moment: next_wall_clock_run(moment, schedule.at, zone, schedule.weekday)


def fire_times(next_fire: NextFire, after: datetime, until: datetime) -> list[datetime]:
    """Every run of a timetable in ``(after, until]`` (bounded by ``MAX_COUNTED_MISSES``)."""
    found: list[datetime] = []
    moment = next_fire(after)
    while moment <= until and len(found) < MAX_COUNTED_MISSES:
        found.append(moment)
        moment = next_fire(moment)
    return found


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a timed job resumes after a (re)start: ``next_run_at``, and how many runs fell in
    the downtime (all coalesced into that one run)."""

    next_run_at: datetime
    missed: int = 0
    interrupted: bool = False


def resume_timed_job(
    next_fire: NextFire,
    *,
    persisted_next: datetime | None,
    interrupted: bool,
    now: datetime,
) -> Resume:
    """When a timed job runs first after a start, from what the last scheduler stored.

    Never scheduled before: the next regular time (a fresh install sends no digest at once).
    A run due during the downtime, or one cut off by a crash: one run now, however many were
    missed (digest delivery is idempotent per period, so running again is safe).
    """
    if interrupted:
        return Resume(next_run_at=now, interrupted=True)
    if persisted_next is None or persisted_next > now:
        return Resume(next_run_at=next_fire(now))
    missed = 1 + len(fire_times(next_fire, persisted_next, now))
    return Resume(next_run_at=now, missed=missed)


# --- sources ----------------------------------------------------------------------------------


def source_due_at(
    health: Health, *, every: timedelta | None = None, policy: BackoffPolicy | None = None
) -> datetime | None:
    """When a source should run next by its health; None when it never ran.

    Without ``every`` this is ``health.next_due_at`` as ``run_source`` computed it from the
    source's own interval. With ``every`` (demo/tests: one short interval for all sources) the
    same rule is applied to that interval: after the last run, backoff doubling per failure.
    """
    if every is None:
        return health.next_due_at
    finished = [t for t in (health.last_success_at, health.last_error_at) if t is not None]
    if not finished:
        return health.next_due_at
    delay = retry_delay(every, health.consecutive_failures, policy or BackoffPolicy())
    return max(finished) + delay


def is_source_due(
    health: Health,
    now: datetime,
    *,
    every: timedelta | None = None,
    slack: timedelta = DUE_SLACK,
) -> bool:
    """True when the source may run at ``now`` (it is never early by more than ``slack``)."""
    due = source_due_at(health, every=every)
    return due is None or due <= now + slack


def next_source_run(
    health: Health,
    now: datetime,
    *,
    every: timedelta | None = None,
    jitter: timedelta = timedelta(0),
) -> datetime:
    """When to run the source next: its due time (or now, if that passed) plus ``jitter``."""
    due = source_due_at(health, every=every)
    base = now if due is None or due < now else due
    return base + jitter


def random_jitter(rng: random.Random, limit: timedelta) -> timedelta:
    """A random delay in ``[0, limit]``, like APScheduler's own jitter."""
    if limit <= timedelta(0):
        return timedelta(0)
    return timedelta(seconds=rng.uniform(0.0, limit.total_seconds()))
