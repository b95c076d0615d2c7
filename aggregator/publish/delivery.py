"""The digest run: for each active subscriber of a frequency, send this period's digest once.

Periods: a daily digest's period is the Helsinki calendar date (``2026-11-20``), a weekly one's
the ISO week of that date (``2026-W47``). The delivery log (:mod:`aggregator.store.deliveries`)
holds one row per (subscriber, frequency, period), so running a period again sends nothing twice.

Exactly once, step by step, each step its own committed transaction:

1. compose and render the digest (nothing recorded; an empty digest is not sent);
2. **claim**: insert the row as ``sending`` with its item ids and Message-ID (the unique
   constraint lets only one process win), or take a due ``retry`` row back to ``sending``;
3. send over SMTP;
4. **record**: ``sent`` plus one ``delivered_item`` per story, or ``retry`` with backoff, or
   ``failed`` (5xx; the address's bounce count grows and at the threshold it is bounced).

The crash window is between 3 and 4: SMTP may have accepted the message but the log still says
``sending``. Such a row is never sent again (a later run skips it, and marks it ``unknown`` once
stale), so nobody gets a digest twice. Its stories were never recorded as delivered, and the
next digest's window reaches back to the last *sent* digest, so they arrive then: no story is
lost. A connection that breaks while waiting for the answer to the final dot is treated the
same way (``unknown``). A temporary failure for one address is retried after a backoff
(``retry_base * 2**(attempt-1)``) while the run goes on with the others; a run keeps waiting
for due retries up to ``retry_for``, later ones are picked up by the next run of the period.
A row's ``created_at`` is when its stories were picked, and the next window reaches back to
it, so stories first seen while a run was under way are not skipped either.

Batches of subscribers share one SMTP connection; with ``connections > 1`` several batches
are sent at once from threads (each subscriber is in exactly one batch, and every claim is
still a single-row transaction, so the guarantees above do not change).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.engine import Engine

from aggregator.clock import Clock, helsinki_date
from aggregator.errors import DeliveryError
from aggregator.publish.choose import Digest
from aggregator.publish.compose import DigestComposer, Materials
from aggregator.publish.mailer import Mailer, MailServerUnavailable, MailSession, OutcomeUnknown
from aggregator.publish.subscriptions import HasRuntimeParts
from aggregator.settings import Settings
from aggregator.store import mailing
from aggregator.store.deliveries import DeliveryState, DeliveryStatus
from aggregator.store.subscribers import Frequency, SubscriberView


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How a run batches, retries and gives up."""

    batch_size: int = 100
    retry_base: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    bounce_threshold: int = 3
    stale_after: timedelta = timedelta(hours=1)
    # SMTP connections used at once, one batch each (1 = strictly in order).
    connections: int = 1
    # How long one run keeps waiting for due retries before leaving them to the next run.
    retry_for: timedelta = timedelta(0)

    def backoff(self, attempts: int) -> timedelta:
        return self.retry_base * (1 << max(0, attempts - 1))


# What scheduled and command-line runs use: four connections, and temporary failures retried
# for up to 15 minutes (5, 10 min backoff) before the next run of the period takes them over.
SCHEDULED_POLICY = DeliveryPolicy(connections=4, retry_for=timedelta(minutes=15))


@dataclass
class RunReport:
    """What one run did; ``planned`` lists (email, item count) in a dry run."""

    frequency: Frequency
    period: str
    sent: int = 0
    empty: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    bounced: int = 0
    unknown: int = 0
    planned: list[tuple[str, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, counter: str, amount: int = 1) -> None:
        """Count safely from several sending threads."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + amount)


def period_of(frequency: Frequency, now: datetime) -> str:
    """``2026-11-20`` (daily) or ``2026-W47`` (weekly), from the date in Helsinki."""
    day = helsinki_date(now)
    if frequency is Frequency.DAILY:
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class DigestRunner:
    """Sends (or previews) the digests of one frequency; see the module docstring."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Clock,
        mailer: Mailer | None = None,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.mailer = mailer or Mailer(settings, clock=clock)
        self.policy = policy or DeliveryPolicy()
        self.composer = DigestComposer(engine, settings, clock=clock)
        self._older_retries: set[int] = set()

    @classmethod
    def from_runtime(
        cls, runtime: HasRuntimeParts, policy: DeliveryPolicy | None = None
    ) -> DigestRunner:
        return cls(runtime.engine, runtime.settings, clock=runtime.clock, policy=policy)

    # --- public --------------------------------------------------------------------------

    def run(self, frequency: Frequency, *, dry_run: bool = False) -> RunReport:
        """Send this period's digests; with ``dry_run`` only plan them."""
        started = self.clock.now()
        report = RunReport(frequency, period_of(frequency, started))
        if dry_run:
            self._plan(report)
            return report
        stale_before = started - self.policy.stale_after
        report.add("unknown", mailing.mark_stale_unknown(self.engine, frequency, stale_before))
        self._pass(report, first=True)
        while self._wait_for_retry(report, started + self.policy.retry_for):
            self._pass(report)
        counts = mailing.period_counts(self.engine, frequency.value, report.period)
        report.retrying = counts.get(DeliveryStatus.RETRY.value, 0)
        return report

    def preview(self, email: str) -> EmailMessage | None:
        """The digest ``email`` would get now (None when empty); nothing is recorded."""
        return self.composer.preview(email)

    # --- one pass ------------------------------------------------------------------------

    def _pass(self, report: RunReport, *, first: bool = False) -> None:
        subscribers, states, skipped = self._due(report)
        if first:
            report.skipped += skipped
        materials = self.composer.materials(subscribers)
        batches = list(_chunks(subscribers, self.policy.batch_size))

        def send_batch(batch: Sequence[SubscriberView]) -> None:
            delivered = self.composer.delivered(batch, materials)
            with self.mailer.session() as smtp:
                for subscriber in batch:
                    state = states.get(subscriber.id)
                    got = delivered[subscriber.id]
                    self._deliver(smtp, subscriber, state, materials, got, report)

        if self.policy.connections <= 1:
            for batch in batches:
                send_batch(batch)
            return
        _in_parallel(send_batch, batches, self.policy.connections)

    def _plan(self, report: RunReport) -> None:
        subscribers, _, report.skipped = self._due(report)
        materials = self.composer.materials(subscribers)
        for subscriber in subscribers:
            digest = self.composer.digest(subscriber, materials)
            count = len(digest.stories) if digest is not None else 0
            report.planned.append((subscriber.email, count))

    def _due(self, report: RunReport) -> tuple[list[SubscriberView], dict[int, DeliveryState], int]:
        """Active subscribers with no row this period, or a retry that is due; and how many
        were skipped because this period is already done (or pending a later retry) for them."""
        now = self.clock.now()
        period = report.period
        subscribers, states, self._older_retries = mailing.due_basis(
            self.engine, report.frequency, period
        )
        due = [s for s in subscribers if _is_due(states.get(s.id), now)]
        return due, states, len(subscribers) - len(due)

    # --- one subscriber ------------------------------------------------------------------

    def _deliver(
        self,
        smtp: MailSession,
        subscriber: SubscriberView,
        state: DeliveryState | None,
        materials: Materials,
        delivered: set[int],
        report: RunReport,
    ) -> None:
        digest = self.composer.digest(subscriber, materials, delivered)
        if digest is None:
            report.add("empty")
            if state is not None:
                self._end(state.id, "nothing left to send", DeliveryStatus.SUPERSEDED)
            return
        message_id = state.message_id if state else make_msgid(domain=self.composer.sender.domain)
        message = self.composer.message(digest, materials, message_id)
        delivery_id = self._claim(digest, state, message_id, report)
        if delivery_id is not None:
            attempts = state.attempts + 1 if state else 1
            self._send(smtp, message, digest, delivery_id, attempts, report)

    def _claim(
        self, digest: Digest, state: DeliveryState | None, message_id: str, report: RunReport
    ) -> int | None:
        """Commit the row as ``sending`` before anything leaves; None if another run has it.

        The row's ``created_at`` is when the digest's stories were picked, so the next window,
        which reaches back to it, covers every story first seen after that moment."""
        subscriber, composed = digest.subscriber, digest.composed_at or self.clock.now()
        frequency, period = report.frequency.value, report.period
        try:
            return mailing.claim(
                self.engine,
                state=state,
                supersede_older=subscriber.id in self._older_retries,
                subscriber_id=subscriber.id,
                frequency=frequency,
                period=period,
                item_ids=digest.item_ids,
                message_id=message_id,
                composed_at=composed,
                now=self.clock.now(),
            )
        except mailing.ClaimedElsewhere:
            report.add("skipped")
            return None

    def _send(
        self,
        smtp: MailSession,
        message: EmailMessage,
        digest: Digest,
        delivery_id: int,
        attempts: int,
        report: RunReport,
    ) -> None:
        try:
            smtp.send(message)
        except OutcomeUnknown as error:
            self._end(delivery_id, str(error), DeliveryStatus.UNKNOWN)
            report.add("unknown")
        except MailServerUnavailable as error:
            self._retry(delivery_id, str(error), attempts, report)
            raise
        except DeliveryError as error:
            self._failed(digest.subscriber, delivery_id, error, attempts, report)
        else:
            self._sent(digest, delivery_id, report)

    # --- outcomes ------------------------------------------------------------------------

    def _sent(self, digest: Digest, delivery_id: int, report: RunReport) -> None:
        subscriber_id = digest.subscriber.id
        mailing.record_sent(
            self.engine,
            delivery_id,
            subscriber_id,
            digest.item_ids,
            self.clock.now(),
            clear_bounces=bool(digest.subscriber.bounce_count),
        )
        report.add("sent")

    def _failed(
        self,
        subscriber: SubscriberView,
        delivery_id: int,
        error: DeliveryError,
        attempts: int,
        report: RunReport,
    ) -> None:
        if not error.permanent:
            self._retry(delivery_id, str(error), attempts, report)
            return
        report.add("failed")
        threshold, now = self.policy.bounce_threshold, self.clock.now()
        bounced = mailing.record_bounce(
            self.engine, delivery_id, str(error), subscriber.id, threshold, now, error.message
        )
        report.add("bounced", int(bounced))

    def _retry(self, delivery_id: int, error: str, attempts: int, report: RunReport) -> None:
        if attempts >= self.policy.max_attempts:
            self._end(delivery_id, f"gave up after {attempts} attempts: {error}")
            report.add("failed")
            return
        next_at = self.clock.now() + self.policy.backoff(attempts)
        mailing.mark_retry(self.engine, delivery_id, error, next_at)

    def _end(
        self, delivery_id: int, error: str, status: DeliveryStatus = DeliveryStatus.FAILED
    ) -> None:
        mailing.mark_failed(self.engine, delivery_id, error, status)

    def _wait_for_retry(self, report: RunReport, deadline: datetime) -> bool:
        """Sleep until the next retry of this period if it falls before ``deadline``.

        Only future retries count: one already due after a pass belongs to a subscriber who is
        no longer active, and waiting for it would never end."""
        now = self.clock.now()
        states = mailing.period_states(self.engine, report.frequency.value, report.period)
        due = [
            s.next_attempt_at
            for s in states.values()
            if s.status is DeliveryStatus.RETRY
            and s.next_attempt_at is not None
            and s.next_attempt_at > now
        ]
        if not due or min(due) > deadline:
            return False
        self.clock.sleep((min(due) - now).total_seconds())
        return True


def send_digests(
    runtime: HasRuntimeParts,
    frequency: Frequency | str,
    *,
    dry_run: bool = False,
    policy: DeliveryPolicy | None = None,
) -> RunReport:
    """This period's digests for ``runtime`` (its database, settings and clock), by
    :data:`SCHEDULED_POLICY` unless told otherwise: what the scheduler and the demo call."""
    runner = DigestRunner.from_runtime(runtime, policy or SCHEDULED_POLICY)
    return runner.run(Frequency(frequency), dry_run=dry_run)


def _is_due(state: DeliveryState | None, now: datetime) -> bool:
    if state is None:
        return True
    return (
        state.status is DeliveryStatus.RETRY
        and state.next_attempt_at is not None
        and state.next_attempt_at <= now
    )


def _in_parallel(
    send_batch: Callable[[Sequence[SubscriberView]], None],
    batches: Sequence[Sequence[SubscriberView]],
    connections: int,
) -> None:
    """Send ``batches`` over up to ``connections`` connections at once; the first error stops
    batches not yet started and is raised once the running ones finish."""
    with ThreadPoolExecutor(max_workers=connections, thread_name_prefix="digest") as pool:
        futures = [pool.submit(send_batch, batch) for batch in batches]
        try:
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _chunks(items: Sequence[SubscriberView], size: int) -> Iterator[Sequence[SubscriberView]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]
