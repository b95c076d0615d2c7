"""Job states in the database: what each scheduled job did last and when it runs next.

The scheduler writes one ``job_state`` row per job (``next_run_at``, ``last_run_at``,
``last_result``, ``last_error``, ``running``) so a restarted scheduler resumes the timetable,
and so ``aggregator sources list`` and the admin dashboard show it: both call
:func:`job_states`. A row left ``running`` by a scheduler that died is marked ``interrupted``
by the next one (a crawl stores a source's items in one transaction, so an interrupted crawl
stored nothing and the source simply runs again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from aggregator.health import Health, is_stale
from aggregator.schedule.config import SCHEDULE_FILE, ScheduleConfig, load_schedule_config
from aggregator.schedule.jobs import SOURCE_JOB, split_job_id
from aggregator.store.db import session_scope
from aggregator.store.models import JobState, SchedulerLease, SourceState

if TYPE_CHECKING:
    from aggregator.runtime import Runtime

OK = "ok"
FAILED = "failed"
INTERRUPTED = "interrupted"
DEFAULT_STALE_AFTER = ScheduleConfig().stale_after


@dataclass(frozen=True, slots=True)
class JobResult:
    """How a run ended: ``ok``, ``partial`` or ``failed`` (with the error an admin reads)."""

    status: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class JobStateView:
    """One job as people see it. ``stale`` flags a source failing longer than allowed.

    ``kind`` is ``source`` or ``digest`` and ``target`` the source id or the frequency.
    ``last_result`` is empty until the first run finishes.
    """

    job_id: str
    kind: str
    target: str
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_result: str
    last_error: str
    running: bool
    failing_since: datetime | None = None
    stale: bool = False


class JobStateStore:
    """``job_state`` rows within one session (the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def row(self, job_id: str) -> JobState:
        """The job's row, created on first use."""
        row = self.session.get(JobState, job_id)
        if row is None:
            row = JobState(job_id=job_id)
            self.session.add(row)
            self.session.flush()
        return row

    def scheduled(self, job_id: str, next_run_at: datetime | None) -> None:
        row = self.row(job_id)
        row.next_run_at = next_run_at
        self.session.add(row)

    def started(self, job_id: str, now: datetime, next_run_at: datetime | None = None) -> None:
        row = self.row(job_id)
        row.running, row.last_run_at = True, now
        if next_run_at is not None:
            row.next_run_at = next_run_at
        self.session.add(row)

    def finished(self, job_id: str, result: JobResult, next_run_at: datetime | None) -> None:
        row = self.row(job_id)
        row.running = False
        row.last_result, row.last_error = result.status, result.error
        row.next_run_at = next_run_at
        self.session.add(row)

    def mark_interrupted(self) -> list[str]:
        """Rows still ``running`` (their scheduler died): marked interrupted; their ids."""
        rows = list(self.session.exec(select(JobState).where(col(JobState.running))))
        for row in rows:
            row.running = False
            row.last_result = INTERRUPTED
            row.last_error = "the scheduler stopped during this run; nothing of it was stored"
            self.session.add(row)
        return [row.job_id for row in rows]

    def get(self, job_id: str) -> JobState | None:
        return self.session.get(JobState, job_id)


def job_states(
    session: Session, *, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER
) -> dict[str, JobStateView]:
    """Every job the scheduler has recorded, by job id, with source failures joined in.

    ``stale_after`` is ``ScheduleConfig.stale_after`` (``[sources] stale_after_hours`` in
    config/schedule.toml); ``now`` comes from the caller's clock. A row still marked running
    while no scheduler holds a live lease shows as ``interrupted`` (its scheduler died).
    """
    sources = {row.source_id: row for row in session.exec(select(SourceState))}
    alive = _scheduler_alive(session, now)
    views = {}
    for row in session.exec(select(JobState).order_by(col(JobState.job_id))):
        kind, target = split_job_id(row.job_id)
        source = sources.get(target) if kind == SOURCE_JOB else None
        failing_since = source.failing_since if source is not None else None
        cut_off = row.running and not alive
        views[row.job_id] = JobStateView(
            job_id=row.job_id,
            kind=kind,
            target=target,
            next_run_at=row.next_run_at,
            last_run_at=row.last_run_at,
            last_result=INTERRUPTED if cut_off else row.last_result,
            last_error=row.last_error,
            running=row.running and alive,
            failing_since=failing_since,
            stale=is_stale(Health(failing_since=failing_since), now, stale_after),
        )
    return views


def _scheduler_alive(session: Session, now: datetime) -> bool:
    """A scheduler holds a live lease; without one, a row marked running was cut off."""
    leases = session.exec(select(SchedulerLease.expires_at)).all()
    return any(expires_at > now for expires_at in leases)


def read_job_states(runtime: Runtime) -> dict[str, JobStateView]:
    """:func:`job_states` with the runtime's clock and the stale threshold of its schedule."""
    config = load_schedule_config(runtime.settings.config_dir / SCHEDULE_FILE)
    with session_scope(runtime.engine) as session:
        return job_states(session, now=runtime.clock.now(), stale_after=config.stale_after)
