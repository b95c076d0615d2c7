"""What one run of a scheduled job does: crawl a source or send a digest, and record it.

The APScheduler wiring (:mod:`.service`) decides *whether* a job may run (lease held, not
stopping); this module does the run and answers *when* the job runs next, by the rules of
:mod:`.jobs`. Every run is written to ``job_state`` (:mod:`.state`): started, then finished
with its result and next run, so the CLI and the dashboard show it and a restart resumes it.
A job never crashes the scheduler: errors become a ``failed`` result an admin reads.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from aggregator.clock import Clock
from aggregator.health import Health, RunReport, RunStatus, is_stale
from aggregator.pipeline import record_failure
from aggregator.runtime import Runtime
from aggregator.schedule.config import DigestSchedule, ScheduleConfig
from aggregator.schedule.jobs import (
    digest_job_id,
    is_source_due,
    next_source_run,
    random_jitter,
    source_job_id,
    timetable,
)
from aggregator.sources.registry import SourceConfig
from aggregator.store.db import DatabaseError
from aggregator.store.jobs import FAILED, OK, JobResult, JobStateStore, change_jobs
from aggregator.store.sources import read_health

log = logging.getLogger(__name__)

SourceRunner = Callable[[SourceConfig], RunReport]
DigestRunner = Callable[[str], object]
T = TypeVar("T")


class JobRuns:
    """Runs the jobs of one scheduler with its runtime, timetable, clock and runners."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        config: ScheduleConfig,
        clock: Clock,
        source_runner: SourceRunner,
        digest_runner: DigestRunner | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.runtime = runtime
        self.config = config
        self.clock = clock
        self.run_source = source_runner
        self.run_digest = digest_runner
        self.rng = rng or random.Random()

    # --- sources ------------------------------------------------------------------------------

    def every(self, source: SourceConfig) -> timedelta:
        return self.config.source_every or timedelta(minutes=source.interval_minutes)

    def first_source_run(self, source_id: str) -> datetime:
        """When a newly scheduled source job runs first: by the source's stored health."""
        return self.plan_source(self.health(source_id), self.clock.now())

    def crawl(self, source_id: str) -> datetime | None:
        """Crawl the source if it is due; the job's next run, or None if the source is gone."""
        source = self.enabled_source(source_id)
        if source is None:
            return None
        started = self.clock.now()
        health = self.health(source_id)
        if not is_source_due(health, started, every=self.config.source_every):
            return self.plan_source(health, started)
        job_id = source_job_id(source_id)
        self.state(lambda store: store.started(job_id, started))
        report = self._run_source_safely(source, started)
        health = self.health(source_id)
        not_before = started + self.every(source)
        next_run = self.plan_source(health, self.clock.now(), not_before=not_before)
        self.state(lambda store: store.finished(job_id, _source_result(report), next_run))
        self._flag_if_stale(source_id, health)
        return next_run

    def plan_source(
        self, health: Health, now: datetime, not_before: datetime | None = None
    ) -> datetime:
        """Due time plus jitter, and never sooner than one interval after the last start."""
        planned = next_source_run(
            health,
            now,
            every=self.config.source_every,
            jitter=random_jitter(self.rng, self.config.jitter),
        )
        return planned if not_before is None else max(planned, not_before)

    def _run_source_safely(self, source: SourceConfig, started: datetime) -> RunReport:
        """``run_source`` records its own failures; a crash of the runner itself is recorded
        here, so the source backs off instead of being retried in a tight loop."""
        try:
            return self.run_source(source)
        except Exception as error:
            log.exception("%s: the crawl crashed", source.id)
            report = RunReport(
                source_id=source.id,
                started_at=started,
                finished_at=self.clock.now(),
                status=RunStatus.FAILED,
                error_kind="internal",
                error_message=f"{type(error).__name__}: {error}",
            )
            record_failure(self.runtime.engine, source, report)
            return report

    def _flag_if_stale(self, source_id: str, health: Health) -> None:
        if is_stale(health, self.clock.now(), self.config.stale_after):
            log.warning(
                "source %s has failed since %s (longer than %s): flagged for admins; "
                "it keeps being retried with backoff",
                source_id,
                health.failing_since,
                self.config.stale_after,
            )

    # --- digests ------------------------------------------------------------------------------

    def next_digest_run(self, schedule: DigestSchedule, after: datetime) -> datetime:
        return timetable(schedule, self.config.timezone)(after)

    def send_digests(self, schedule: DigestSchedule) -> None:
        """Call the digest runner for the schedule's frequency and record how it went."""
        job_id = digest_job_id(schedule.frequency)
        now = self.clock.now()
        next_run = self.next_digest_run(schedule, now)
        self.state(lambda store: store.started(job_id, now, next_run))
        try:
            assert self.run_digest is not None
            self.run_digest(schedule.frequency)
            result = JobResult(OK)
        except Exception as error:
            log.exception("%s: the digest run failed", job_id)
            result = JobResult(FAILED, f"{type(error).__name__}: {error}")
        self.state(lambda store: store.finished(job_id, result, next_run))

    # --- database -----------------------------------------------------------------------------

    def enabled_source(self, source_id: str) -> SourceConfig | None:
        for source in self.runtime.sources():
            if source.id == source_id and source.enabled:
                return source
        return None

    def health(self, source_id: str) -> Health:
        return read_health(self.runtime.engine, source_id)

    def state(self, action: Callable[[JobStateStore], T]) -> T | None:
        """Write job states; a database error is logged, never allowed to stop the job."""
        try:
            return change_jobs(self.runtime.engine, action)
        except DatabaseError as error:
            log.warning("could not save a job state: %s", error)
            return None


def _source_result(report: RunReport) -> JobResult:
    error = f"{report.error_kind}: {report.error_message}" if report.error_kind else ""
    return JobResult(report.status.value, error)
