"""Real ``python scheduler.py`` processes against one database: the lease, SIGKILL and SIGTERM.

Each process gets the test database, a config folder with one source and a 3-second lease
(``AGGREGATOR_CONFIG_DIR``), and the loopback mirror as its internet
(``AGGREGATOR_MIRROR_URL``). The tests watch the processes through the database, as an admin
would: the lease row, ``job_state`` and the stored items.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.demo.mirror import MirrorServer
from aggregator.store.db import session_scope
from aggregator.store.lease import Lease, LeaseHolder
from aggregator.store.models import ItemRow, JobState, SourceRun
from tests.schedule.conftest import (
    FEED_ITEMS,
    FEED_PATH,
    SOURCE_ID,
    MirrorFactory,
    feed_route,
    write_config,
)
from tests.support.paths import PROJECT_ROOT
from tests.support.waiting import HANG_BOUND, wait_until

JOB = f"source:{SOURCE_ID}"
TTL = 3.0
SCHEDULE = f"""
[sources]
jitter_seconds = 0
[lease]
ttl_seconds = {TTL}
renew_seconds = 0.5
"""
# A crawl the first scheduler must still be in when it is killed: the answer (and the fetch's
# own timeouts) outlast every wait of the test before the kill, each bounded by HANG_BOUND.
SLOW_ANSWER = 5 * HANG_BOUND
FETCH_TIMEOUT = 2 * SLOW_ANSWER


@dataclass
class Scheduler:
    """One ``python scheduler.py`` child process and its log file."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = HANG_BOUND) -> int:
        return self.process.wait(timeout=timeout)


SchedulerFactory = Callable[..., Scheduler]


@pytest.fixture
def spawn(database_url: str, tmp_path: Path) -> Iterator[SchedulerFactory]:
    children: list[Scheduler] = []
    config_dir = write_config(tmp_path / "config", SCHEDULE)

    def start(mirror_url: str, *args: str) -> Scheduler:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "AGGREGATOR_CONFIG_DIR": str(config_dir),
            "AGGREGATOR_MIRROR_URL": mirror_url,
            "AGGREGATOR_RETRIES": "0",
            "AGGREGATOR_HOST_DELAY": "0",
            "AGGREGATOR_READ_TIMEOUT": str(FETCH_TIMEOUT),
            "AGGREGATOR_TOTAL_TIMEOUT": str(FETCH_TIMEOUT),
        }
        log = tmp_path / f"scheduler-{len(children)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, str(PROJECT_ROOT / "scheduler.py"), *args],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        child = Scheduler(process, log)
        children.append(child)
        return child

    yield start
    for child in children:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait()
        # Shown with the report of a failed test ("Captured stdout teardown"): what each
        # scheduler logged is what an operator would read to see why.
        print(f"--- scheduler pid {child.pid} (exit {child.process.returncode}) ---")
        print(child.output())


def lease_row(engine: Engine) -> LeaseHolder | None:
    return Lease(engine, name="scheduler", ttl=timedelta(0), holder="test").current()


def holds_lease(engine: Engine, child: Scheduler) -> bool:
    row = lease_row(engine)
    return row is not None and f":{child.pid}:" in row.holder and row.expires_at > datetime.now(UTC)


def job(engine: Engine) -> JobState | None:
    with session_scope(engine) as session:
        return session.get(JobState, JOB)


def stored(engine: Engine) -> tuple[int, list[str]]:
    with session_scope(engine) as session:
        items = len(session.exec(select(ItemRow)).all())
        statuses = [run.status for run in session.exec(select(SourceRun))]
    return items, statuses


def feed_requests(site: MirrorServer) -> int:
    return sum(1 for r in site.requests if r.path_and_query == FEED_PATH)


def test_one_scheduler_per_database_and_a_standby_takes_over_after_sigkill(
    engine: Engine, news_site: MirrorFactory, spawn: SchedulerFactory
) -> None:
    # The first answer is slow, so the first scheduler is killed in the middle of a crawl.
    site = news_site([feed_route(), feed_route(delay_seconds=SLOW_ANSWER, times=1)])
    first = spawn(site.url)
    wait_until(lambda: holds_lease(engine, first) and (state := job(engine)) and state.running)

    refused = spawn(site.url, "--refuse")
    standby = spawn(site.url, "--standby")
    assert refused.wait() == 1
    assert "another scheduler already runs against this database: " in refused.output()
    assert f":{first.pid}:" in refused.output()
    wait_until(lambda: "standing by" in standby.output())
    assert holds_lease(engine, first)

    held_until = lease_row(engine).expires_at  # type: ignore[union-attr]
    first.process.kill()  # SIGKILL: no cleanup at all, mid-crawl
    first.wait()
    assert stored(engine) == (0, [])  # the cut-off crawl left nothing half-written

    wait_until(lambda: holds_lease(engine, standby))
    taken = lease_row(engine)
    assert taken is not None and taken.acquired_at >= held_until  # only after it expired
    wait_until(lambda: "took over the scheduler lease" in standby.output())
    wait_until(lambda: f"runs cut off by the previous scheduler: {JOB}" in standby.output())

    # The new holder crawls the source the dead one did not finish, exactly once.
    wait_until(lambda: (state := job(engine)) is not None and state.last_result == "ok")
    assert stored(engine) == (FEED_ITEMS, ["ok"])
    assert not job(engine).running  # type: ignore[union-attr]

    standby.signal(signal.SIGTERM)
    assert standby.wait() == 0
    assert "lease released" in standby.output()
    row = lease_row(engine)
    assert row is not None and row.expires_at <= datetime.now(UTC)


def test_sigterm_lets_the_running_crawl_finish_and_a_restart_resumes_the_schedule(
    engine: Engine, news_site: MirrorFactory, spawn: SchedulerFactory
) -> None:
    site = news_site([feed_route(delay_seconds=3.0)])
    scheduler = spawn(site.url)
    wait_until(lambda: (state := job(engine)) is not None and state.running)

    scheduler.signal(signal.SIGTERM)  # in the middle of the crawl
    assert scheduler.wait() == 0
    assert "stopping after the running jobs finish" in scheduler.output()
    assert stored(engine) == (FEED_ITEMS, ["ok"])  # finished and committed, not dropped
    before = job(engine)
    assert before is not None and not before.running and before.last_result == "ok"
    assert before.next_run_at is not None and before.last_run_at is not None
    assert before.next_run_at - before.last_run_at >= timedelta(minutes=60)
    row = lease_row(engine)
    assert row is not None and row.expires_at <= datetime.now(UTC)  # released: no waiting

    restarted = spawn(site.url)
    wait_until(lambda: holds_lease(engine, restarted))
    wait_until(lambda: f'Added job "{JOB}"' in restarted.output())
    # The scheduler writes a job's next run on its row before it adds the job with that time,
    # so once the job is added the row says when it will run: the old timetable, an hour on.
    after = job(engine)
    assert after is not None and after.next_run_at == before.next_run_at  # same timetable
    assert not after.running and after.last_run_at == before.last_run_at
    assert feed_requests(site) == 1 and stored(engine) == (FEED_ITEMS, ["ok"])  # not re-run
    restarted.signal(signal.SIGTERM)
    assert restarted.wait() == 0
