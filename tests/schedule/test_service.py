"""The APScheduler wiring in one process, in real (short) time, on a real database.

Crawls go through the real fetcher and pipeline to the loopback mirror, or, where only the
timing matters, through an injected job callable (the edge). Intervals are fractions of a
second (``every_seconds``); the rules behind them are tested with a fixed clock in test_jobs.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from aggregator.clock import HELSINKI
from aggregator.errors import SchedulerLocked, StoreError
from aggregator.health import RunReport, RunStatus
from aggregator.runtime import Runtime
from aggregator.schedule.jobs import next_wall_clock_run
from aggregator.schedule.service import ServiceScheduler, build_scheduler
from aggregator.schedule.state import job_states
from aggregator.sources.registry import SourceConfig
from aggregator.store.db import session_scope
from aggregator.store.jobs import JobStateStore
from aggregator.store.lease import Lease
from aggregator.store.models import ItemRow, JobState, SchedulerLease, SourceRun
from aggregator.store.sources import SourceStore
from tests.schedule.conftest import (
    FEED_ITEMS,
    SOURCE_ID,
    MirrorFactory,
    feed_route,
    settings_for,
    write_config,
)
from tests.support.waiting import wait_until

JOB = f"source:{SOURCE_ID}"
# The lease lasts far longer than any stall of its keeper thread on a loaded machine: a job
# that starts while its scheduler's lease looks expired does not run (ServiceScheduler._turn)
# and waits for its next trigger, an hour on. No test here waits for a lease to run out.
FAST = """
[sources]
jitter_seconds = 0
every_seconds = {every}
reload_seconds = {reload}
[lease]
ttl_seconds = 60
renew_seconds = 0.25
"""


def fast(every: float = 0.3, reload: float = 60) -> str:
    return FAST.format(every=every, reload=reload)


def runs(runtime: Runtime) -> list[SourceRun]:
    with session_scope(runtime.engine) as session:
        return list(session.exec(select(SourceRun).order_by(col(SourceRun.started_at))))


def job_state(runtime: Runtime, job_id: str = JOB) -> JobState | None:
    with session_scope(runtime.engine) as session:
        return session.get(JobState, job_id)


class FakeCrawls:
    """A job callable in place of run_source: records each crawl, optionally slow."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.started: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, source: SourceConfig) -> RunReport:
        with self._lock:
            self.started.append(source.id)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        now = datetime.now(UTC)
        return RunReport(source.id, now, now, RunStatus.OK)


@pytest.fixture
def services() -> Iterator[list[ServiceScheduler]]:
    """Schedulers a test started; shut down at the end even when the test fails."""
    started: list[ServiceScheduler] = []
    yield started
    for service in started:
        service.shutdown(wait=True)


def start(
    services: list[ServiceScheduler], runtime: Runtime, **options: object
) -> ServiceScheduler:
    service = build_scheduler(runtime, **options)  # type: ignore[arg-type]
    service.start()
    services.append(service)
    return service


def test_a_failing_source_backs_off_and_recovers_when_the_site_returns(
    make_runtime: Callable[..., Runtime], news_site: MirrorFactory, services: list[ServiceScheduler]
) -> None:
    site = news_site([feed_route(), feed_route(status=500, body="down", times=2)])
    runtime = make_runtime(site.url, fast(every=0.3))
    start(services, runtime)
    wait_until(lambda: len(runs(runtime)) >= 4)
    services.pop().shutdown(wait=True)
    history = runs(runtime)[:4]
    assert [r.status for r in history] == ["failed", "failed", "ok", "ok"]
    gaps = [(b.started_at - a.started_at).total_seconds() for a, b in itertools.pairwise(history)]
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6 and gaps[2] >= 0.3  # 0.3 s, doubled, back to 0.3 s
    assert all(a.finished_at <= b.started_at for a, b in itertools.pairwise(history))
    with session_scope(runtime.engine) as session:
        health = SourceStore(session).health(SOURCE_ID)
        stored = len(session.exec(select(ItemRow)).all())
    assert health.consecutive_failures == 0 and health.failing_since is None
    assert stored == FEED_ITEMS
    state = job_state(runtime)
    assert state is not None and state.last_result == "ok" and not state.running


def test_shutdown_lets_the_running_crawl_finish_and_store_everything(
    make_runtime: Callable[..., Runtime], news_site: MirrorFactory, services: list[ServiceScheduler]
) -> None:
    site = news_site([feed_route(delay_seconds=1.5)])
    runtime = make_runtime(site.url, fast())
    service = start(services, runtime)
    wait_until(lambda: (state := job_state(runtime)) is not None and state.running)
    services.pop().shutdown(wait=True)  # while the page is still on its way
    assert [r.status for r in runs(runtime)] == ["ok"], [
        r.error_message for r in runs(runtime)
    ]  # the crawl finished and was stored
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(ItemRow)).all()) == FEED_ITEMS
        lease_row = session.get(SchedulerLease, "scheduler")
    state = job_state(runtime)
    assert state is not None and not state.running and state.last_result == "ok"
    assert lease_row is not None and lease_row.expires_at <= datetime.now(UTC)  # released
    assert not service.active


def test_a_job_never_runs_twice_at_once(
    make_runtime: Callable[..., Runtime], services: list[ServiceScheduler]
) -> None:
    crawls = FakeCrawls(seconds=0.25)
    runtime = make_runtime(schedule_toml=fast(every=0.05))
    start(services, runtime, source_runner=crawls)
    wait_until(lambda: len(crawls.started) >= 3)
    assert crawls.most_at_once == 1


def next_seven(after: datetime, weekday: int | None = None) -> datetime:
    """The next 07:00 in Helsinki (on ``weekday``) after ``after``."""
    return next_wall_clock_run(after, time_of_day(7, 0), HELSINKI, weekday)


def test_digests_missed_while_down_run_once_and_resume_their_timetable(
    make_runtime: Callable[..., Runtime], services: list[ServiceScheduler]
) -> None:
    runtime = make_runtime(schedule_toml=fast())
    now = datetime.now(UTC)
    with session_scope(runtime.engine) as session:
        JobStateStore(session).scheduled("digest:daily", now - timedelta(days=2))
        JobStateStore(session).scheduled("digest:weekly", now + timedelta(days=3))
    sent: list[str] = []
    service = start(services, runtime, source_runner=FakeCrawls(), digest_runner=sent.append)
    wait_until(lambda: (s := job_state(runtime, "digest:daily")) is not None and s.last_result)
    # The scheduler's own timetable puts the daily digest's next run in the future (tomorrow's
    # 07:00), so no second catch-up run can follow: no waiting to see that nothing happens.
    next_daily = service.scheduled_jobs()["digest:daily"]
    assert next_daily is not None and next_daily > datetime.now(UTC)
    assert sent == ["daily"]  # two missed days, one run
    daily, weekly = job_state(runtime, "digest:daily"), job_state(runtime, "digest:weekly")
    assert daily is not None and daily.last_result == "ok"
    assert daily.next_run_at == next_seven(daily.last_run_at or now)
    assert weekly is not None and weekly.last_run_at is None
    assert weekly.next_run_at == next_seven(now, weekday=0)


def test_a_digest_cut_off_by_a_crash_runs_again_and_a_failure_is_recorded(
    make_runtime: Callable[..., Runtime], services: list[ServiceScheduler]
) -> None:
    runtime = make_runtime(schedule_toml=fast())
    with session_scope(runtime.engine) as session:
        JobStateStore(session).started("digest:weekly", datetime.now(UTC) - timedelta(hours=1))

    def failing(frequency: str) -> None:
        raise ConnectionRefusedError(f"SMTP down ({frequency})")

    start(services, runtime, source_runner=FakeCrawls(), digest_runner=failing)
    wait_until(lambda: (s := job_state(runtime, "digest:weekly")) and s.last_result == "failed")
    weekly = job_state(runtime, "digest:weekly")
    assert weekly is not None and not weekly.running
    assert "ConnectionRefusedError: SMTP down (weekly)" in weekly.last_error


def test_without_a_digest_runner_only_the_sources_are_scheduled(
    make_runtime: Callable[..., Runtime], services: list[ServiceScheduler]
) -> None:
    runtime = make_runtime(schedule_toml=fast())
    service = start(services, runtime, source_runner=FakeCrawls())
    assert set(service.scheduled_jobs()) == {JOB, "scheduler:sync-sources"}


def test_a_scheduler_that_loses_its_lease_stops_its_jobs_and_takes_over_again_later(
    make_runtime: Callable[..., Runtime], services: list[ServiceScheduler]
) -> None:
    runtime = make_runtime(schedule_toml=fast(every=0.1))
    crawls = FakeCrawls()
    service = start(services, runtime, source_runner=crawls)
    assert service.active and JOB in service.scheduled_jobs()
    steal = update(SchedulerLease).values(
        holder="intruder", expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    with runtime.engine.begin() as connection:
        connection.execute(steal)
    wait_until(lambda: not service.active and service.scheduled_jobs() == {})
    with runtime.engine.begin() as connection:
        connection.execute(update(SchedulerLease).values(expires_at=datetime.now(UTC)))
    wait_until(lambda: service.active and JOB in service.scheduled_jobs())


def test_refuse_mode_names_the_scheduler_that_holds_the_lease(
    make_runtime: Callable[..., Runtime],
) -> None:
    runtime = make_runtime(schedule_toml=fast() + 'on_conflict = "refuse"\n')
    holder = Lease(runtime.engine, name="scheduler", ttl=timedelta(minutes=1), holder="host:42:x")
    assert holder.try_acquire(datetime.now(UTC))
    service = build_scheduler(runtime, source_runner=FakeCrawls())
    with pytest.raises(SchedulerLocked) as caught:
        service.start()
    assert "another scheduler already runs against this database: host:42:x" in str(caught.value)
    assert "--standby" in str(caught.value)


def test_sources_disabled_by_an_admin_leave_the_schedule_and_come_back(
    make_runtime: Callable[..., Runtime], services: list[ServiceScheduler]
) -> None:
    runtime = make_runtime(schedule_toml=fast(every=600, reload=0.2))
    service = start(services, runtime, source_runner=FakeCrawls())
    wait_until(lambda: (state := job_state(runtime)) is not None and state.last_result == "ok")
    with session_scope(runtime.engine) as session:
        SourceStore(session).set_enabled(SOURCE_ID, False)
    wait_until(lambda: JOB not in service.scheduled_jobs())
    wait_until(lambda: (state := job_state(runtime)) is not None and state.next_run_at is None)
    with session_scope(runtime.engine) as session:
        SourceStore(session).set_enabled(SOURCE_ID, True)
    wait_until(lambda: JOB in service.scheduled_jobs())
    view = job_states(runtime.engine, now=datetime.now(UTC))[JOB]
    assert view.next_run_at is not None and view.last_result == "ok"


def test_an_uninitialised_database_is_a_clear_error(tmp_path: Path) -> None:
    config_dir = write_config(tmp_path / "config", fast())
    runtime = Runtime(settings_for(f"sqlite:///{tmp_path / 'empty.sqlite3'}", config_dir))
    try:
        with pytest.raises(StoreError, match=r"run `aggregator init`.*no such table"):
            build_scheduler(runtime, source_runner=FakeCrawls()).start()
    finally:
        runtime.close()
