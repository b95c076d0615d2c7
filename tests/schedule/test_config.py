"""config/schedule.toml: the shipped file, the defaults and the errors that name the field."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from aggregator.clock import HELSINKI
from aggregator.errors import ConfigError
from aggregator.schedule.config import (
    ScheduleConfig,
    demo_schedule,
    load_schedule_config,
)
from tests.support.paths import PROJECT_ROOT


def load(tmp_path: Path, text: str) -> ScheduleConfig:
    path = tmp_path / "schedule.toml"
    path.write_text(text, encoding="utf-8")
    return load_schedule_config(path)


def test_the_shipped_schedule_sends_digests_at_seven_helsinki_time() -> None:
    config = load_schedule_config(PROJECT_ROOT / "config" / "schedule.toml")
    assert config.timezone == HELSINKI
    by_frequency = {d.frequency: d for d in config.digests}
    assert by_frequency["daily"].at == time(7, 0) and by_frequency["daily"].weekday is None
    assert by_frequency["weekly"].at == time(7, 0) and by_frequency["weekly"].weekday == 0
    assert config.lease.on_conflict == "standby"
    assert config.lease.renew_every * 2 <= config.lease.ttl
    assert config.source_every is None  # production uses each source's own interval


def test_a_missing_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_schedule_config(tmp_path / "absent.toml") == ScheduleConfig()


def test_short_test_times_and_a_single_digest(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        [sources]
        jitter_seconds = 0
        every_seconds = 0.5
        [digests.weekly]
        day = "Friday"
        at = "16:15"
        [lease]
        ttl_seconds = 2
        renew_seconds = 0.5
        on_conflict = "refuse"
        """,
    )
    assert config.jitter == timedelta(0) and config.source_every == timedelta(seconds=0.5)
    assert [(d.frequency, d.weekday, d.at) for d in config.digests] == [("weekly", 4, time(16, 15))]
    assert config.lease.ttl == timedelta(seconds=2) and config.lease.on_conflict == "refuse"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[sources]\njiter_seconds = 5", "unknown field(s) ['jiter_seconds']"),
        ('[digests.weekly]\nday = "maanantai"', "field 'day': must be one of"),
        ('[digests.daily]\nat = "7am"', "field 'at': must be a time like '07:00'"),
        ('[digests.daily]\nday = "monday"', "a daily digest has no day"),
        ("[digests.monthly]\n", "unknown field(s) ['monthly']"),
        ("[lease]\nttl_seconds = 10\nrenew_seconds = 6", "renew at least twice per lease"),
        ('[lease]\non_conflict = "wait"', "must be 'standby' or 'refuse'"),
        ('timezone = "Europe/Helsingfors"', "unknown time zone"),
        ('[sources]\nworkers = "many"', "field 'workers': must be a number"),
        ("[sources]\nworkers = 0", "must be at least 1"),
        ("[sources\n", "cannot read the schedule"),
    ],
)
def test_a_wrong_field_is_named_in_the_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)
    assert "schedule.toml" in str(caught.value)


def test_the_demo_schedule_runs_every_source_every_twenty_seconds() -> None:
    config = demo_schedule()
    assert config.source_every == timedelta(seconds=20) and config.jitter == timedelta(0)
    assert {d.every for d in config.digests} == {timedelta(minutes=2)}
    assert config.lease.renew_every * 2 <= config.lease.ttl
