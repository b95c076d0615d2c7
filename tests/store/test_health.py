"""Source health after a run: counters, backoff, recovery and the markup-changed flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.health import (
    BackoffPolicy,
    Health,
    RunReport,
    RunStatus,
    after_run,
    is_stale,
    retry_delay,
)

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def report(
    status: RunStatus, *, found: int = 0, parsed: int = 1, fallback: bool = False, at: datetime = T0
) -> RunReport:
    return RunReport(
        source_id="s",
        started_at=at,
        finished_at=at + timedelta(seconds=3),
        status=status,
        error_kind="timeout" if status is RunStatus.FAILED else "",
        error_message="read timed out" if status is RunStatus.FAILED else "",
        pages_parsed=parsed,
        items_found=found,
        used_fallback=fallback,
    )


def test_failures_back_off_exponentially_capped_and_recover() -> None:
    health = Health()
    delays = []
    for n in range(8):
        health = after_run(health, report(RunStatus.FAILED, at=T0 + n * HOUR), HOUR)
        assert health.next_due_at is not None and health.last_error_at is not None
        delays.append(health.next_due_at - health.last_error_at)
    assert delays[:4] == [HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR]
    assert max(delays) == timedelta(hours=24)
    assert health.consecutive_failures == 8 and health.failing_since == T0
    recovered = after_run(health, report(RunStatus.OK, found=5), HOUR)
    assert recovered.consecutive_failures == 0 and recovered.failing_since is None
    assert recovered.last_error_kind == "" and recovered.items_last_run == 5


def test_stale_after_threshold() -> None:
    health = after_run(Health(), report(RunStatus.FAILED), HOUR)
    assert not is_stale(health, T0 + timedelta(hours=47), timedelta(hours=48))
    assert is_stale(health, T0 + timedelta(hours=49), timedelta(hours=48))


def test_zero_items_after_yielding_flags_markup_changed() -> None:
    health = after_run(Health(), report(RunStatus.OK, found=10), HOUR)
    assert not health.markup_changed
    health = after_run(health, report(RunStatus.OK, found=0), HOUR)
    assert health.markup_changed
    health = after_run(health, report(RunStatus.OK, found=3), HOUR)
    assert not health.markup_changed


def test_not_modified_pass_keeps_flags() -> None:
    health = after_run(Health(), report(RunStatus.OK, found=10), HOUR)
    health = after_run(health, report(RunStatus.OK, found=0, parsed=0), HOUR)
    assert not health.markup_changed and health.last_yield_at is not None


def test_fallback_extractor_flags_markup_changed() -> None:
    health = after_run(Health(), report(RunStatus.OK, found=4, fallback=True), HOUR)
    assert health.markup_changed and health.used_fallback


def test_retry_delay_never_below_interval() -> None:
    assert retry_delay(timedelta(days=2), 3, BackoffPolicy()) == timedelta(days=2)


def test_parse_failure_of_a_list_that_yielded_before_flags_markup_changed() -> None:
    health = after_run(Health(), report(RunStatus.OK, found=6), HOUR)
    broken = RunReport(
        source_id="s",
        started_at=T0,
        finished_at=T0,
        status=RunStatus.FAILED,
        error_kind="parse",
        error_message="selectors found no items",
    )
    assert after_run(health, broken, HOUR).markup_changed
    timeout = RunReport(
        source_id="s", started_at=T0, finished_at=T0, status=RunStatus.FAILED, error_kind="timeout"
    )
    assert not after_run(health, timeout, HOUR).markup_changed
