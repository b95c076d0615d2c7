"""The scheduler: crawl each source on time, send the digests, one scheduler per database.

- :mod:`.config`  config/schedule.toml (digest times, jitter, stale flag, lease times)
- :mod:`.jobs`    pure timing decisions: next runs across DST, due sources, missed runs
- :mod:`.lease`   the database lease (compare-and-set UPDATEs on ``scheduler_lease``)
- :mod:`.state`   ``job_state`` rows and :func:`job_states` for the CLI and the dashboard
- :mod:`.runs`    what one run of a job does (crawl or digest) and when it runs next
- :mod:`.service` APScheduler wiring: :func:`build_scheduler` -> :class:`ServiceScheduler`
- :mod:`.process` signals and exit codes of ``python scheduler.py`` / ``aggregator run``
"""

from aggregator.schedule.config import (
    DigestSchedule,
    LeaseConfig,
    ScheduleConfig,
    demo_schedule,
    load_schedule_config,
)
from aggregator.schedule.jobs import digest_job_id, source_job_id
from aggregator.schedule.runs import DigestRunner, SourceRunner
from aggregator.schedule.service import ServiceScheduler, build_scheduler
from aggregator.schedule.state import JobStateView, job_states, read_job_states

__all__ = [
    "DigestRunner",
    "DigestSchedule",
    "JobStateView",
    "LeaseConfig",
    "ScheduleConfig",
    "ServiceScheduler",
    "SourceRunner",
    "build_scheduler",
    "demo_schedule",
    "digest_job_id",
    "job_states",
    "load_schedule_config",
    "read_job_states",
    "source_job_id",
]
