"""APScheduler wiring: the service that crawls every source on time and sends the digests.

:class:`ServiceScheduler` runs one APScheduler 3 ``BackgroundScheduler`` in this process, and
only while it holds the database lease (:mod:`.lease`): a job per enabled source, the daily
and weekly digests when a digest runner is given, and a job that picks up sources admins
enabled, disabled or re-timed. Every job has ``max_instances=1`` and ``coalesce=True``, so a
job never runs twice at once and runs missed while the machine slept run once. The timing
rules themselves are the pure functions of :mod:`.jobs`; this module only applies them.

Lifecycle:

- :meth:`~ServiceScheduler.start` returns at once. It takes the lease and schedules the jobs
  where the last scheduler left them (``job_state`` and the sources' health), or, when another
  scheduler holds the lease, stands by (``on_conflict = "standby"``, the default) or raises
  :class:`~aggregator.errors.SchedulerLocked` (``"refuse"``).
- A keeper thread renews the lease every ``renew_every``; a standby tries to take it then.
  A holder that loses the lease removes its jobs and stands by.
- :meth:`~ServiceScheduler.shutdown` (``wait=True``): no new run starts, running ones finish
  (a crawl commits its items in one transaction or not at all), job states are saved, and the
  lease is released so a standby takes over at once.

The offline demo runs it in the background of its own process::

    service = build_scheduler(runtime, clock=runtime.clock, schedule_config=demo_schedule(),
                              digest_runner=lambda frequency: send_digests(frequency))
    service.start()              # returns at once; jobs run in worker threads
    ...                          # serve the web UI
    service.shutdown(wait=True)
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from aggregator.clock import Clock
from aggregator.errors import SchedulerLocked, StoreError
from aggregator.fetch import Fetcher
from aggregator.health import RunReport
from aggregator.pipeline import Services, run_source
from aggregator.runtime import Runtime
from aggregator.schedule.config import SCHEDULE_FILE, WEEKDAYS, DigestSchedule, ScheduleConfig
from aggregator.schedule.config import load_schedule_config as _load_config
from aggregator.schedule.jobs import (
    NextFire,
    digest_job_id,
    resume_timed_job,
    source_job_id,
    timetable,
)
from aggregator.schedule.runs import DigestRunner, JobRuns, SourceRunner
from aggregator.sources.registry import SourceConfig
from aggregator.store.db import DatabaseError
from aggregator.store.lease import Lease

log = logging.getLogger(__name__)

SYNC_JOB = "scheduler:sync-sources"
SAFETY_NET = timedelta(hours=1)


class TimetableTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 is untyped
    """Fires by a pure timetable of :mod:`.jobs` (digests: once per local day, DST-safe)."""

    def __init__(self, next_fire: NextFire, label: str) -> None:
        self.next_fire = next_fire
        self.label = label

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        return self.next_fire(previous_fire_time or now)

    def __str__(self) -> str:
        return self.label


def digest_label(schedule: DigestSchedule, zone: ZoneInfo) -> str:
    """How the digest timetable reads in APScheduler's log lines."""
    if schedule.every is not None:
        return f"every {schedule.every}"
    day = "every day" if schedule.weekday is None else f"{WEEKDAYS[schedule.weekday]}s"
    return f"{day} at {schedule.at:%H:%M} {zone.key}"


def source_trigger(every: timedelta) -> TimetableTrigger:
    """A source job's trigger: only a safety net, since each crawl sets the next run itself
    (by health, backoff and jitter). It waits at least an hour, so a crawl that waits for a
    worker or runs long is never reported as a missed run."""
    gap = max(every, SAFETY_NET)
    return TimetableTrigger(lambda moment: moment + gap, f"every {every}, by source health")


class ServiceScheduler:
    """The scheduler of one process; see the module docstring for its lifecycle."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        config: ScheduleConfig,
        clock: Clock,
        source_runner: SourceRunner,
        digest_runner: DigestRunner | None = None,
        rng: random.Random | None = None,
        on_shutdown: tuple[Callable[[], object], ...] = (),
    ) -> None:
        self._runtime = runtime
        self._config = config
        self._clock = clock
        self._runs = JobRuns(
            runtime,
            config=config,
            clock=clock,
            source_runner=source_runner,
            digest_runner=digest_runner,
            rng=rng,
        )
        self._on_shutdown = on_shutdown
        self.lease = Lease(runtime.engine, name=config.lease.name, ttl=config.lease.ttl)
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={
                "default": {"type": "threadpool", "max_workers": _workers(runtime, config) + 1}
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._lock = threading.RLock()
        self._idle = threading.Condition()
        self._inflight = 0
        self._active = False
        self._stopping = threading.Event()
        self._keeper_stop = threading.Event()
        self._keeper = threading.Thread(target=self._keep_lease, name="lease-keeper", daemon=True)
        self._source_jobs: dict[str, timedelta] = {}

    @property
    def active(self) -> bool:
        """True while this process holds the lease and schedules jobs."""
        return self._active

    def scheduled_jobs(self) -> dict[str, datetime | None]:
        """The jobs APScheduler holds now, with their next run time (for tests and logs)."""
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Take the lease and schedule the jobs, or stand by, or refuse; returns at once."""
        try:
            taken = self.lease.try_acquire(self._clock.now())
        except DatabaseError as error:
            cause = getattr(error, "orig", None) or error
            raise StoreError(
                "cannot reach the scheduler lease (is the database initialised? run "
                f"`aggregator init`): {type(cause).__name__}: {cause}"
            ) from error
        if not taken and self._config.lease.on_conflict == "refuse":
            message = self._locked_message()
            self._close_resources()
            raise SchedulerLocked(message)
        self._scheduler.start()
        with self._lock:
            if taken:
                self._activate()
            else:
                log.warning("%s; standing by to take over", self._locked_message(brief=True))
        self._keeper.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop: no new runs, let running ones finish (``wait``), save states, free the lease."""
        self._stopping.set()
        with self._lock:
            self._remove_jobs()
        if wait:
            self._wait_idle()
        self._keeper_stop.set()
        if self._keeper.is_alive():
            self._keeper.join()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        with self._lock:
            if self._active and self._inflight == 0:
                self._release()
        self._close_resources()
        log.info("scheduler stopped")

    def _close_resources(self) -> None:
        closers, self._on_shutdown = self._on_shutdown, ()
        for close in closers:
            close()

    def _wait_idle(self) -> None:
        with self._idle:
            if self._inflight:
                log.info("waiting for %d running job(s) to finish", self._inflight)
            self._idle.wait_for(lambda: self._inflight == 0)

    def _release(self) -> None:
        try:
            self.lease.release(self._clock.now())
            log.info("lease released")
        except DatabaseError as error:
            log.warning("could not release the lease (it expires by itself): %s", error)
        self._active = False

    # --- the lease ----------------------------------------------------------------------------

    def _keep_lease(self) -> None:
        while not self._keeper_stop.wait(self._config.lease.renew_every.total_seconds()):
            with self._lock:
                if self._active:
                    self._renew()
                elif not self._stopping.is_set():
                    self._try_take_over()

    def _renew(self) -> None:
        now = self._clock.now()
        try:
            renewed = self.lease.renew(now)
        except DatabaseError as error:
            log.warning("cannot renew the scheduler lease: %s", error)
            renewed = self.lease.held(now)
        if not renewed:
            log.error("lost the scheduler lease: this scheduler's jobs stop; standing by")
            self._remove_jobs()
            self._active = False

    def _try_take_over(self) -> None:
        try:
            taken = self.lease.try_acquire(self._clock.now())
        except DatabaseError as error:
            log.warning("cannot reach the scheduler lease: %s", error)
            return
        if taken:
            log.warning("took over the scheduler lease")
            self._activate()

    def _locked_message(self, *, brief: bool = False) -> str:
        current = self.lease.current()
        who = (
            f"{current.holder} (lease until {current.expires_at:%Y-%m-%d %H:%M:%S} UTC "
            "unless renewed)"
            if current
            else "another process"
        )
        message = f"another scheduler already runs against this database: {who}"
        if brief:
            return message
        return f"{message}. Stop it first, or start this one with --standby to take over then."

    # --- scheduling ---------------------------------------------------------------------------

    def _activate(self) -> None:
        """We hold the lease: recover what a dead holder left and schedule every job."""
        interrupted = set(self._runs.state(lambda store: store.mark_interrupted()) or [])
        if interrupted:
            log.warning(
                "runs cut off by the previous scheduler: %s", ", ".join(sorted(interrupted))
            )
        self._active = True
        log.info("holding the scheduler lease as %s", self.lease.holder)
        self._sync_sources()
        self._add_digest_jobs(interrupted)
        every = self._config.reload_every.total_seconds()
        self._scheduler.add_job(
            self._sync_job,
            IntervalTrigger(seconds=every),
            id=SYNC_JOB,
            name=SYNC_JOB,
            replace_existing=True,
        )

    def _remove_jobs(self) -> None:
        if self._scheduler.running:
            self._scheduler.remove_all_jobs()
        self._source_jobs.clear()

    def _sync_job(self) -> None:
        with self._turn() as allowed:
            if allowed:
                self._sync_sources()

    def _sync_sources(self) -> None:
        """Jobs for exactly the enabled sources, at their current intervals."""
        try:
            wanted = {s.id: self._runs.every(s) for s in self._runtime.sources() if s.enabled}
        except Exception:
            log.exception("cannot read the sources; keeping the current jobs")
            return
        with self._lock:
            if self._stopping.is_set() or not self._active:
                return
            for source_id in set(self._source_jobs) - set(wanted):
                self._drop_source_job(source_id)
            for source_id, every in wanted.items():
                if self._source_jobs.get(source_id) != every:
                    self._add_source_job(source_id, every)

    def _add_source_job(self, source_id: str, every: timedelta) -> None:
        job_id = source_job_id(source_id)
        next_run = self._runs.first_source_run(source_id)
        # The row first: a job due now starts in a worker thread as soon as it is added.
        self._runs.state(lambda store: store.scheduled(job_id, next_run))
        self._scheduler.add_job(
            self._source_job,
            source_trigger(every),
            args=[source_id],
            id=job_id,
            name=job_id,
            next_run_time=next_run,
            replace_existing=True,
        )
        self._source_jobs[source_id] = every

    def _drop_source_job(self, source_id: str) -> None:
        job_id = source_job_id(source_id)
        with self._lock:
            self._source_jobs.pop(source_id, None)
            self._reschedule(job_id, None)
        self._runs.state(lambda store: store.scheduled(job_id, None))
        log.info("%s: source disabled or removed; job dropped", job_id)

    def _add_digest_jobs(self, interrupted: set[str]) -> None:
        if self._runs.run_digest is None:
            log.info("no digest runner given: digest jobs are not scheduled")
            return
        for schedule in self._config.digests:
            self._add_digest_job(schedule, interrupted)

    def _add_digest_job(self, schedule: DigestSchedule, interrupted: set[str]) -> None:
        job_id = digest_job_id(schedule.frequency)
        stored = self._runs.state(lambda store: store.get(job_id))
        next_fire = timetable(schedule, self._config.timezone)
        plan = resume_timed_job(
            next_fire,
            persisted_next=stored.next_run_at if stored else None,
            interrupted=job_id in interrupted,
            now=self._clock.now(),
        )
        if plan.missed:
            log.info("%s: %d run(s) missed while down; running once now", job_id, plan.missed)
        self._runs.state(lambda store: store.scheduled(job_id, plan.next_run_at))
        self._scheduler.add_job(
            self._digest_job,
            TimetableTrigger(next_fire, digest_label(schedule, self._config.timezone)),
            args=[schedule],
            id=job_id,
            name=job_id,
            next_run_time=plan.next_run_at,
            replace_existing=True,
        )

    def _reschedule(self, job_id: str, when: datetime | None) -> None:
        """Move a job (``None`` removes it); a job already removed stays removed."""
        try:
            if when is None:
                self._scheduler.remove_job(job_id)
            else:
                self._scheduler.modify_job(job_id, next_run_time=when)
        except JobLookupError:
            pass

    # --- running jobs -------------------------------------------------------------------------

    @contextmanager
    def _turn(self) -> Iterator[bool]:
        """Count a running job; yields False when it must not run (stopping, lease not held)."""
        with self._idle:
            self._inflight += 1
        try:
            yield not self._stopping.is_set() and self.lease.held(self._clock.now())
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()

    def _source_job(self, source_id: str) -> None:
        """Crawl if due; the outcome (health, backoff, jitter) sets the job's next run."""
        job_id = source_job_id(source_id)
        with self._turn() as allowed:
            if not allowed:
                return
            try:
                next_run = self._runs.crawl(source_id)
            except Exception:
                log.exception("%s: the job failed; it runs again after one interval", job_id)
                every = self._source_jobs.get(source_id, timedelta(hours=1))
                next_run = self._clock.now() + every
            if next_run is None:
                self._drop_source_job(source_id)
            else:
                self._reschedule(job_id, next_run)

    def _digest_job(self, schedule: DigestSchedule) -> None:
        with self._turn() as allowed:
            if allowed:
                self._runs.send_digests(schedule)


def build_scheduler(
    runtime: Runtime,
    *,
    clock: Clock | None = None,
    schedule_config: ScheduleConfig | None = None,
    digest_runner: DigestRunner | None = None,
    source_runner: SourceRunner | None = None,
    rng: random.Random | None = None,
) -> ServiceScheduler:
    """The scheduler for ``runtime``; call ``start()`` and, at the end, ``shutdown(wait=True)``.

    ``schedule_config`` defaults to ``config/schedule.toml`` of the runtime's config folder
    (:func:`~aggregator.schedule.config.demo_schedule` gives short demo intervals).
    ``digest_runner(frequency)`` sends the ``"daily"`` or ``"weekly"`` digests; without one no
    digest jobs are scheduled. ``source_runner`` defaults to ``run_source`` with one shared,
    thread-safe fetcher (closed by ``shutdown``).
    """
    clock = clock or runtime.clock
    config = schedule_config or _load_config(runtime.settings.config_dir / SCHEDULE_FILE)
    closers: tuple[Callable[[], object], ...] = ()
    if source_runner is None:
        fetcher = Fetcher(runtime.settings, clock=clock)
        source_runner = _pipeline_runner(runtime.services(fetcher, clock=clock))
        closers = (fetcher.close,)
    return ServiceScheduler(
        runtime,
        config=config,
        clock=clock,
        source_runner=source_runner,
        digest_runner=digest_runner,
        rng=rng,
        on_shutdown=closers,
    )


def _workers(runtime: Runtime, config: ScheduleConfig) -> int:
    """Source jobs that may run at once: schedule.toml's ``workers``, else the crawl setting
    (the fetcher spaces requests per host, so two jobs on one host still take turns)."""
    return config.workers or runtime.settings.crawl_workers


def _pipeline_runner(services: Services) -> SourceRunner:
    def run(source: SourceConfig) -> RunReport:
        return run_source(source, services)

    return run
