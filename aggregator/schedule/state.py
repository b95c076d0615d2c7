"""Job states as people see them: what each scheduled job did last and when it runs next.

The scheduler keeps one ``job_state`` row per job (:mod:`aggregator.store.jobs`), so a
restarted scheduler resumes the timetable, and so ``aggregator sources list`` and the admin
dashboard show it: both call :func:`job_states`, which joins each source job with its source's
failures and says which are stale. A row still marked running while no scheduler holds a live
lease shows as ``interrupted`` (its scheduler died).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aggregator.health import Health, is_stale
from aggregator.schedule.config import SCHEDULE_FILE, ScheduleConfig, load_schedule_config
from aggregator.schedule.jobs import SOURCE_JOB, split_job_id
from aggregator.store.jobs import (
    FAILED,
    INTERRUPTED,
    OK,
    JobRecords,
    JobResult,
    JobStateStore,
    read_job_records,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from aggregator.runtime import Runtime

DEFAULT_STALE_AFTER = ScheduleConfig().stale_after


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


def job_states(
    engine: Engine, *, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER
) -> dict[str, JobStateView]:
    """Every job the scheduler has recorded, by job id, with source failures joined in.

    ``stale_after`` is ``ScheduleConfig.stale_after`` (``[sources] stale_after_hours`` in
    config/schedule.toml); ``now`` comes from the caller's clock.
    """
    return views_of(read_job_records(engine, now), now, stale_after)


def views_of(
    records: JobRecords, now: datetime, stale_after: timedelta = DEFAULT_STALE_AFTER
) -> dict[str, JobStateView]:
    """The views of the stored job rows (pure)."""
    alive = records.scheduler_alive
    views = {}
    for row in records.jobs:
        kind, target = split_job_id(row.job_id)
        failing_since = records.failing_since.get(target) if kind == SOURCE_JOB else None
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


def read_job_states(runtime: Runtime) -> dict[str, JobStateView]:
    """:func:`job_states` with the runtime's clock and the stale threshold of its schedule."""
    config = load_schedule_config(runtime.settings.config_dir / SCHEDULE_FILE)
    return job_states(runtime.engine, now=runtime.clock.now(), stale_after=config.stale_after)


__all__ = [
    "FAILED",
    "INTERRUPTED",
    "OK",
    "JobResult",
    "JobStateStore",
    "JobStateView",
    "job_states",
    "read_job_states",
    "views_of",
]
