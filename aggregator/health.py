"""Source health: what one crawl run means for a source's status, backoff and flags.

Pure decisions over plain data; the store persists the result and the scheduler reads
``next_due_at``. A failing source backs off exponentially (its interval doubled per consecutive
failure, capped) and recovers by itself on the first good run. A list that used to yield items
and now yields none, or whose configured selectors matched nothing so that the selector-free
reader read it ("selectors stale, read without them"), is flagged "markup changed?" so an admin
looks at the selectors before the source silently dies; the selectors that reader would
configure are kept with the health (``proposed_selectors``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum


class RunStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunReport:
    """The outcome of one crawl of one source."""

    source_id: str
    started_at: datetime
    finished_at: datetime
    status: RunStatus
    error_kind: str = ""
    error_message: str = ""
    warnings: tuple[str, ...] = ()
    pages_fetched: int = 0
    pages_not_modified: int = 0
    pages_parsed: int = 0
    items_found: int = 0
    items_new: int = 0
    items_updated: int = 0
    # Items stored as another language version of a story (not counted as new stories).
    items_versions: int = 0
    used_fallback: bool = False
    proposed_selectors: Mapping[str, str] = field(default_factory=dict)
    new_item_ids: tuple[int, ...] = field(default=(), repr=False)

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class Health:
    """A source's health as the dashboard and the scheduler see it."""

    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error_kind: str = ""
    last_error_message: str = ""
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    items_last_run: int = 0
    new_last_run: int = 0
    last_yield_at: datetime | None = None
    markup_changed: bool = False
    used_fallback: bool = False
    proposed_selectors: Mapping[str, str] = field(default_factory=dict)
    next_due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    cap: timedelta = timedelta(hours=24)


def retry_delay(interval: timedelta, failures: int, policy: BackoffPolicy) -> timedelta:
    """How long to wait after ``failures`` consecutive failures: interval x 2^(n-1), capped."""
    if failures <= 0:
        return interval
    return min(interval * (1 << min(failures - 1, 20)), max(policy.cap, interval))


URL_RETRY_FLOOR = timedelta(hours=1)
URL_RETRY_CAP = timedelta(days=7)


def url_retry_delay(interval: timedelta, failures: int) -> timedelta:
    """How long one failing page of a source (an article, a later list page) waits before it
    is fetched again: at least an hour, doubled per consecutive failure, at most a week. Its
    source meanwhile runs on its own schedule with the page's list text."""
    base = max(interval, URL_RETRY_FLOOR)
    return min(base * (1 << min(max(failures, 1) - 1, 20)), URL_RETRY_CAP)


def _markup_changed(previous: Health, report: RunReport) -> bool:
    if report.used_fallback:
        return True
    if report.pages_parsed > 0 and report.items_found == 0:
        return previous.last_yield_at is not None or previous.markup_changed
    if report.items_found > 0:
        return False
    return previous.markup_changed


def _unreadable_now(previous: Health, report: RunReport) -> bool:
    """A page that yielded items before and now cannot be parsed has most likely changed."""
    return report.error_kind == "parse" and previous.last_yield_at is not None


def after_run(
    previous: Health,
    report: RunReport,
    interval: timedelta,
    policy: BackoffPolicy | None = None,
) -> Health:
    """The health after ``report``: counters, error fields, flags and the next due time."""
    policy = policy or BackoffPolicy()
    now = report.finished_at
    if report.status is RunStatus.FAILED:
        failures = previous.consecutive_failures + 1
        return replace(
            previous,
            last_attempt_at=report.started_at,
            last_error_at=now,
            last_error_kind=report.error_kind,
            last_error_message=report.error_message,
            consecutive_failures=failures,
            failing_since=previous.failing_since or report.started_at,
            markup_changed=previous.markup_changed or _unreadable_now(previous, report),
            items_last_run=0,
            new_last_run=0,
            next_due_at=now + retry_delay(interval, failures, policy),
        )
    partial = report.status is RunStatus.PARTIAL
    return replace(
        previous,
        last_attempt_at=report.started_at,
        last_success_at=now,
        last_error_at=now if partial else previous.last_error_at,
        last_error_kind=report.error_kind if partial else "",
        last_error_message=report.error_message if partial else "",
        consecutive_failures=0,
        failing_since=None,
        items_last_run=report.items_found,
        new_last_run=report.items_new,
        last_yield_at=now if report.items_found else previous.last_yield_at,
        markup_changed=_markup_changed(previous, report),
        used_fallback=report.used_fallback,
        proposed_selectors=dict(report.proposed_selectors) if report.used_fallback else {},
        next_due_at=now + interval,
    )


def is_stale(health: Health, now: datetime, threshold: timedelta) -> bool:
    """True when a source has been failing for longer than ``threshold`` (flag for admins)."""
    return health.failing_since is not None and now - health.failing_since > threshold
