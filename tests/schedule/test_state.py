"""Job states as the CLI and the dashboard read them, with the stale flag of failing sources."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from aggregator.cli import main
from aggregator.clock import FixedClock
from aggregator.display import format_datetime
from aggregator.health import Health
from aggregator.schedule.state import job_states
from aggregator.store.db import session_scope
from aggregator.store.jobs import JobResult, JobStateStore
from aggregator.store.lease import Lease
from aggregator.store.sources import SourceStore
from tests.schedule.conftest import SOURCE_ID, write_config

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_finished_run_shows_its_result_and_next_run(engine: Engine) -> None:
    Lease(engine, name="scheduler", ttl=timedelta(minutes=1), holder="a").try_acquire(T0)
    with session_scope(engine) as session:
        store = JobStateStore(session)
        store.scheduled("source:keha-uutiset", T0)
        store.started("source:keha-uutiset", T0)
    running = job_states(engine, now=T0)["source:keha-uutiset"]
    assert running.running and running.last_run_at == T0 and running.last_result == ""
    # Once no scheduler holds the lease, a run still marked running was cut off.
    orphan = job_states(engine, now=T0 + timedelta(minutes=2))["source:keha-uutiset"]
    assert not orphan.running and orphan.last_result == "interrupted"
    with session_scope(engine) as session:
        JobStateStore(session).finished(
            "source:keha-uutiset", JobResult("failed", "timeout: read timed out"), T0 + DAY
        )
    view = job_states(engine, now=T0)["source:keha-uutiset"]
    assert (view.kind, view.target, view.running) == ("source", "keha-uutiset", False)
    assert (view.last_result, view.last_error) == ("failed", "timeout: read timed out")
    assert view.next_run_at == T0 + DAY and view.last_run_at == T0


def test_a_source_failing_longer_than_allowed_is_flagged_stale(engine: Engine) -> None:
    clock = FixedClock(T0)
    with session_scope(engine) as session:
        SourceStore(session).set_health("keha-uutiset", Health(failing_since=T0))
        SourceStore(session).set_health("tem-tiedotteet", Health())
        for source_id in ("keha-uutiset", "tem-tiedotteet"):
            JobStateStore(session).scheduled(f"source:{source_id}", T0 + DAY)
        JobStateStore(session).scheduled("digest:daily", T0 + DAY)
    clock.advance(47 * 3600)
    assert not job_states(engine, now=clock.now())["source:keha-uutiset"].stale
    clock.advance(2 * 3600)
    views = job_states(engine, now=clock.now(), stale_after=timedelta(hours=48))
    assert views["source:keha-uutiset"].stale
    assert views["source:keha-uutiset"].failing_since == T0
    assert not views["source:tem-tiedotteet"].stale
    assert views["digest:daily"].kind == "digest" and not views["digest:daily"].stale


def test_runs_left_running_by_a_dead_scheduler_are_marked_interrupted(engine: Engine) -> None:
    with session_scope(engine) as session:
        store = JobStateStore(session)
        store.started("digest:daily", T0)
        store.started("source:a", T0)
        store.finished("source:a", JobResult("ok"), T0 + DAY)
    with session_scope(engine) as session:
        assert JobStateStore(session).mark_interrupted() == ["digest:daily"]
    views = job_states(engine, now=T0)
    assert views["digest:daily"].last_result == "interrupted" and not views["digest:daily"].running
    assert views["source:a"].last_result == "ok"


def test_sources_list_shows_each_jobs_last_result_next_run_and_stale_flag(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_dir = write_config(tmp_path / "config", "[sources]\nstale_after_hours = 24\n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AGGREGATOR_CONFIG_DIR", str(config_dir))
    now = datetime.now(UTC)
    next_run = now + timedelta(minutes=42)
    with session_scope(engine) as session:
        SourceStore(session).set_health(SOURCE_ID, Health(failing_since=now - 2 * DAY))
        JobStateStore(session).scheduled(f"source:{SOURCE_ID}", next_run)
        JobStateStore(session).finished(
            f"source:{SOURCE_ID}", JobResult("failed", "timeout: read timed out"), next_run
        )
        JobStateStore(session).scheduled("digest:weekly", next_run)
    result = CliRunner().invoke(main, ["sources", "list", "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output.splitlines()[0])
    assert row["id"] == SOURCE_ID and row["last_result"] == "failed" and "stale" in row["flags"]
    assert datetime.fromisoformat(row["next_due"]) == next_run
    # a source without `verified = true` in its TOML is shown as unverified
    assert row["verified"] is False and "unverified" in row["flags"]
    text = CliRunner().invoke(main, ["sources", "list"]).output
    assert f"digest:weekly: next {format_datetime(next_run)}, last –" in text
    assert "stale" in text and "failed" in text
    assert f"unverified {SOURCE_ID}: not seen on the live site" in text
