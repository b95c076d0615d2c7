"""The pure timing rules: digests across DST, sources due by their health, missed runs coalesced."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from aggregator.clock import HELSINKI, FixedClock
from aggregator.health import Health, RunReport, RunStatus, after_run
from aggregator.schedule.config import DigestSchedule
from aggregator.schedule.jobs import (
    fire_times,
    is_source_due,
    next_source_run,
    next_wall_clock_run,
    random_jitter,
    resume_timed_job,
    source_due_at,
    split_job_id,
    timetable,
)
from aggregator.schedule.service import TimetableTrigger, digest_label, source_trigger

HOUR = timedelta(hours=1)
SEVEN = time(7, 0)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def runs(start: datetime, count: int, at: time = SEVEN, weekday: int | None = None) -> list[str]:
    found, moment = [], start
    for _ in range(count):
        moment = next_wall_clock_run(moment, at, HELSINKI, weekday)
        found.append(moment.strftime("%m-%d %H:%M"))
    return found


def cron_runs(start: datetime, count: int, **fields: object) -> list[str]:
    trigger = CronTrigger(timezone=HELSINKI, **fields)
    found, previous, now = [], None, start
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        now = previous
        found.append(previous.astimezone(UTC).strftime("%m-%d %H:%M"))
    return found


# --- digests across daylight-saving changes -----------------------------------------------------


def test_daily_digest_stays_at_seven_local_when_summer_time_starts() -> None:
    # 2026-03-29 04:00 local the clocks jump from +02:00 to +03:00: 07:00 moves from 05 to 04 UTC.
    start = utc("2026-03-27T12:00")
    assert runs(start, 3) == ["03-28 05:00", "03-29 04:00", "03-30 04:00"]
    assert runs(start, 3) == cron_runs(start, 3, hour=7, minute=0)


def test_daily_digest_stays_at_seven_local_when_summer_time_ends() -> None:
    # 2026-10-25 04:00 local the clocks go back to 03:00: 07:00 moves from 04 to 05 UTC.
    start = utc("2026-10-23T12:00")
    assert runs(start, 3) == ["10-24 04:00", "10-25 05:00", "10-26 05:00"]
    assert runs(start, 3) == cron_runs(start, 3, hour=7, minute=0)


def test_weekly_digest_is_monday_seven_local_on_both_sides_of_each_change() -> None:
    assert runs(utc("2026-03-20T12:00"), 2, weekday=0) == ["03-23 05:00", "03-30 04:00"]
    assert runs(utc("2026-10-16T12:00"), 2, weekday=0) == ["10-19 04:00", "10-26 05:00"]
    assert all(
        datetime.strptime(f"2026-{r}", "%Y-%m-%d %H:%M").weekday() == 0
        for r in runs(utc("2026-01-01T00:00"), 20, weekday=0)
    )


def test_a_time_in_the_repeated_autumn_hour_runs_once_where_crontrigger_runs_twice() -> None:
    # 03:30 happens twice on 2026-10-25 (00:30 UTC in summer time, 01:30 UTC in winter time).
    start = utc("2026-10-23T12:00")
    assert runs(start, 3, at=time(3, 30)) == ["10-24 00:30", "10-25 00:30", "10-26 01:30"]
    assert cron_runs(start, 3, hour=3, minute=30) == ["10-24 00:30", "10-25 00:30", "10-25 01:30"]


def test_a_time_the_spring_change_skips_runs_once_when_the_clocks_jump() -> None:
    # 03:30 does not exist on 2026-03-29; it runs at 01:30 UTC, which is 04:30 summer time.
    found = runs(utc("2026-03-27T12:00"), 3, at=time(3, 30))
    assert found == ["03-28 01:30", "03-29 01:30", "03-30 00:30"]
    assert utc("2026-03-29T01:30").astimezone(HELSINKI).hour == 4


def test_every_local_day_of_a_year_gets_exactly_one_daily_run() -> None:
    moments = fire_times(
        lambda m: next_wall_clock_run(m, time(3, 15), HELSINKI),
        utc("2025-12-31T12:00"),
        utc("2026-12-31T12:00"),
    )
    days = [m.astimezone(HELSINKI).date() for m in moments]
    assert len(days) == len(set(days)) == 365


# --- missed runs after downtime -----------------------------------------------------------------


def daily(moment: datetime) -> datetime:
    return next_wall_clock_run(moment, SEVEN, HELSINKI)


def test_runs_missed_while_down_are_coalesced_into_one_run_now() -> None:
    clock = FixedClock(utc("2026-03-30T12:00"))
    plan = resume_timed_job(
        daily, persisted_next=utc("2026-03-28T05:00"), interrupted=False, now=clock.now()
    )
    assert plan.next_run_at == clock.now()
    assert plan.missed == 3  # the 28th, 29th and 30th


def test_a_restart_before_the_next_run_keeps_the_timetable() -> None:
    clock = FixedClock(utc("2026-03-28T03:00"))
    plan = resume_timed_job(
        daily, persisted_next=utc("2026-03-28T05:00"), interrupted=False, now=clock.now()
    )
    assert (plan.next_run_at, plan.missed) == (utc("2026-03-28T05:00"), 0)


def test_a_first_start_waits_for_the_regular_time() -> None:
    plan = resume_timed_job(
        daily, persisted_next=None, interrupted=False, now=utc("2026-10-25T06:00")
    )
    assert plan.next_run_at == utc("2026-10-26T05:00")


def test_a_run_cut_off_by_a_crash_runs_again_at_once() -> None:
    now = utc("2026-10-25T06:00")
    plan = resume_timed_job(
        daily, persisted_next=utc("2026-10-26T05:00"), interrupted=True, now=now
    )
    assert plan.next_run_at == now and plan.interrupted


# --- sources ------------------------------------------------------------------------------------


def crawl(health: Health, status: RunStatus, at: datetime, interval: timedelta) -> Health:
    """What run_source records for one run (started at ``at``, took 4 seconds)."""
    report = RunReport(
        source_id="s",
        started_at=at,
        finished_at=at + timedelta(seconds=4),
        status=status,
        error_kind="timeout" if status is RunStatus.FAILED else "",
        items_found=0 if status is RunStatus.FAILED else 5,
        pages_parsed=1,
    )
    return after_run(health, report, interval)


def test_a_source_that_never_ran_is_due_at_once() -> None:
    now = utc("2026-11-20T08:00")
    assert is_source_due(Health(), now)
    assert next_source_run(Health(), now) == now


def test_a_source_runs_again_one_interval_after_its_last_run() -> None:
    clock = FixedClock(utc("2026-11-20T08:00"))
    health = crawl(Health(), RunStatus.OK, clock.now(), HOUR)
    clock.advance(1800)
    assert not is_source_due(health, clock.now())
    assert next_source_run(health, clock.now()) == utc("2026-11-20T09:00:04")
    clock.set(utc("2026-11-20T09:00:04"))
    assert is_source_due(health, clock.now())


def test_a_failing_source_backs_off_exponentially_capped_and_recovers_by_itself() -> None:
    clock = FixedClock(utc("2026-11-20T08:00"))
    health, gaps = Health(), []
    for _ in range(8):
        health = crawl(health, RunStatus.FAILED, clock.now(), HOUR)
        planned = next_source_run(health, clock.now())
        gaps.append((planned - clock.now()) // timedelta(minutes=1))
        clock.set(planned)
        assert is_source_due(health, clock.now())
    assert gaps == [60, 120, 240, 480, 960, 1440, 1440, 1440]  # minutes (+4 s of run time)
    assert health.failing_since == utc("2026-11-20T08:00")
    health = crawl(health, RunStatus.OK, clock.now(), HOUR)
    assert health.failing_since is None
    assert next_source_run(health, clock.now()) - clock.now() == HOUR + timedelta(seconds=4)


def test_a_source_overdue_after_downtime_runs_once_now_not_once_per_missed_interval() -> None:
    clock = FixedClock(utc("2026-11-20T08:00"))
    health = crawl(Health(), RunStatus.OK, clock.now(), HOUR)
    clock.advance(10 * 3600)  # the scheduler was down for ten intervals
    assert next_source_run(health, clock.now()) == clock.now()
    health = crawl(health, RunStatus.OK, clock.now(), HOUR)
    assert next_source_run(health, clock.now()) == clock.now() + HOUR + timedelta(seconds=4)


def test_an_interval_override_applies_the_same_rules_to_the_short_interval() -> None:
    clock = FixedClock(utc("2026-11-20T08:00"))
    every = timedelta(seconds=20)
    health = Health()
    delays = []
    for _ in range(3):
        health = crawl(health, RunStatus.FAILED, clock.now(), HOUR)
        due = source_due_at(health, every=every)
        assert due is not None and health.last_error_at is not None
        delays.append((due - health.last_error_at).total_seconds())
    assert delays == [20, 40, 80]
    health = crawl(health, RunStatus.OK, clock.now(), HOUR)
    assert health.last_success_at is not None
    assert source_due_at(health, every=every) == health.last_success_at + every


def test_a_source_is_never_started_earlier_than_the_slack() -> None:
    now = utc("2026-11-20T08:00")
    assert is_source_due(Health(next_due_at=now + timedelta(seconds=3)), now)
    assert not is_source_due(Health(next_due_at=now + timedelta(seconds=10)), now)


def test_jitter_delays_a_run_by_at_most_the_limit() -> None:
    rng = random.Random(7)
    limit = timedelta(seconds=60)
    delays = [random_jitter(rng, limit) for _ in range(200)]
    assert all(timedelta(0) <= d <= limit for d in delays)
    assert max(delays) - min(delays) > timedelta(seconds=30)  # actually spread
    assert random_jitter(rng, timedelta(0)) == timedelta(0)
    now = utc("2026-11-20T08:00")
    assert next_source_run(Health(), now, jitter=timedelta(seconds=9)) == now + timedelta(seconds=9)


@pytest.mark.parametrize(
    ("job_id", "parts"),
    [("source:keha-uutiset", ("source", "keha-uutiset")), ("digest:daily", ("digest", "daily"))],
)
def test_job_ids_name_their_kind_and_target(job_id: str, parts: tuple[str, str]) -> None:
    assert split_job_id(job_id) == parts


def test_the_digest_trigger_apscheduler_calls_fires_once_on_the_repeated_autumn_night() -> None:
    schedule = DigestSchedule("daily", at=time(3, 30))
    trigger = TimetableTrigger(timetable(schedule, HELSINKI), digest_label(schedule, HELSINKI))
    assert str(trigger) == "every day at 03:30 Europe/Helsinki"
    fired, previous, now = [], None, utc("2026-10-23T12:00")
    for _ in range(3):  # the way APScheduler asks: previous fire time, then now
        previous = trigger.get_next_fire_time(previous, now)
        now = previous
        fired.append(previous.strftime("%m-%d %H:%M"))
    assert fired == ["10-24 00:30", "10-25 00:30", "10-26 01:30"]
    demo = timetable(DigestSchedule("daily", every=timedelta(minutes=2)), HELSINKI)
    assert demo(now) == now + timedelta(minutes=2)


def test_a_source_trigger_is_a_safety_net_of_at_least_an_hour() -> None:
    start = utc("2026-11-20T08:00")
    assert source_trigger(timedelta(seconds=20)).get_next_fire_time(start, start) == start + HOUR
    two_hours = timedelta(hours=2)
    assert source_trigger(two_hours).get_next_fire_time(start, start) == start + two_hours
    weekly = DigestSchedule("weekly", weekday=0)
    assert digest_label(weekly, HELSINKI) == "mondays at 07:00 Europe/Helsinki"
