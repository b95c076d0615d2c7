"""The scheduler's job states in the database: what each job did last and when it runs next.

The scheduler writes one ``job_state`` row per job (``next_run_at``, ``last_run_at``,
``last_result``, ``last_error``, ``running``) so a restarted scheduler resumes the timetable;
:mod:`aggregator.schedule.state` turns the rows into what people see. A row left ``running`` by
a scheduler that died is marked ``interrupted`` by the next one (a crawl stores a source's items
in one transaction, so an interrupted crawl stored nothing and the source simply runs again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from aggregator.store.db import session_scope
from aggregator.store.models import JobState, SchedulerLease, SourceState

T = TypeVar("T")

OK = "ok"
FAILED = "failed"
INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class JobResult:
    """How a run ended: ``ok``, ``partial`` or ``failed`` (with the error an admin reads)."""

    status: str
    error: str = ""


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


def change_jobs(engine: Engine, change: Callable[[JobStateStore], T]) -> T:
    """Apply ``change`` to the job states in a transaction of its own; returns its result."""
    with session_scope(engine) as session:
        return change(JobStateStore(session))


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One ``job_state`` row as plain values, with its source's ``failing_since`` if any."""

    job_id: str
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_result: str
    last_error: str
    running: bool


@dataclass(frozen=True)
class JobRecords:
    """Every job row, the sources' failing-since times, and whether a scheduler is alive (holds
    a lease that has not expired at the time asked)."""

    jobs: list[JobRecord]
    failing_since: dict[str, datetime | None]
    scheduler_alive: bool


def job_records(session: Session, now: datetime) -> JobRecords:
    """:class:`JobRecords` read in the caller's session."""
    failing = {row.source_id: row.failing_since for row in session.exec(select(SourceState))}
    leases = session.exec(select(SchedulerLease.expires_at)).all()
    jobs = [
        JobRecord(
            row.job_id,
            row.next_run_at,
            row.last_run_at,
            row.last_result,
            row.last_error,
            row.running,
        )
        for row in session.exec(select(JobState).order_by(col(JobState.job_id)))
    ]
    return JobRecords(jobs, failing, any(expires_at > now for expires_at in leases))


def read_job_records(engine: Engine, now: datetime) -> JobRecords:
    """:class:`JobRecords` read in a transaction of their own."""
    with session_scope(engine) as session:
        return job_records(session, now)
