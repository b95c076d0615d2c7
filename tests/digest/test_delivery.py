"""The digest run against a real SMTP server on loopback and a real database: exactly one
message per subscriber and period, nothing empty, nothing twice, crashes resumed, temporary
failures retried with backoff, permanent ones counted until the address is bounced."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.clock import FixedClock
from aggregator.demo.smtp_sink import SmtpSink
from aggregator.errors import DeliveryError
from aggregator.publish.choose import MAX_STORIES
from aggregator.publish.delivery import DeliveryPolicy, DigestRunner
from aggregator.publish.mailer import Mailer, MailServerUnavailable, MailSession
from aggregator.settings import Settings
from aggregator.store.db import session_scope
from aggregator.store.deliveries import DeliveryStatus
from aggregator.store.models import DeliveredItem, Delivery, MailEvent
from aggregator.store.subscribers import Frequency, SubscriberStatus, SubscriberStore
from tests.digest.conftest import NOW, Story, add_subscriber, make_settings, store_stories


def recipients(sink: SmtpSink) -> Counter[str]:
    return Counter(address for mail in sink.messages for address in mail.rcpt_tos)


def deliveries(engine: Engine) -> list[Delivery]:
    with session_scope(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)))  # type: ignore[arg-type]


def delivered_ids(engine: Engine, subscriber_id: int) -> set[int]:
    with session_scope(engine) as session:
        query = select(DeliveredItem.item_id).where(DeliveredItem.subscriber_id == subscriber_id)
        return set(session.exec(query))


def item_ids_in(message: EmailMessage, story_ids: dict[int, str]) -> set[int]:
    text = message.get_body(("plain",))
    assert text is not None
    content = text.get_content()
    return {item_id for item_id, title in story_ids.items() if title in content}


@pytest.fixture
def five_readers(seeded: Engine) -> list[int]:
    store_stories(
        seeded,
        [
            Story("Kuntapaikat vuodelle 2027", tags=["municipalities"]),
            Story("AMIF-haku avautuu", tags=["funding", "amif"]),
            Story("Edustajien koulutus", tags=["professionals", "minors"]),
        ],
    )
    emails = [f"lukija{n}@kunta.example.fi" for n in range(5)]
    return [add_subscriber(seeded, email, audiences=["municipalities"]).id for email in emails]


def test_each_subscriber_gets_one_message_with_only_their_stories(
    runner: DigestRunner, sink: SmtpSink, seeded: Engine
) -> None:
    titles = {
        "Kuntapaikat": ["municipalities"],
        "AMIF-haku": ["funding"],
        "Koulutus": ["professionals"],
    }
    ids = store_stories(seeded, [Story(t, tags=tags) for t, tags in titles.items()])
    anna = add_subscriber(seeded, "anna@kunta.example.fi", audiences=["municipalities", "funding"])
    add_subscriber(seeded, "bo@kommun.example.fi", audiences=["professionals"], language="sv")
    report = runner.run(Frequency.DAILY)
    assert (report.sent, report.empty, report.failed) == (2, 0, 0)
    assert recipients(sink) == {"anna@kunta.example.fi": 1, "bo@kommun.example.fi": 1}
    by_title = dict(zip(ids, titles, strict=True))
    anna_mail = sink.to("anna@kunta.example.fi")[0].message
    assert item_ids_in(anna_mail, by_title) == {ids[0], ids[1]}
    assert sink.to("bo@kommun.example.fi")[0].message["Subject"].startswith("Dagens")
    assert delivered_ids(seeded, anna.id) == {ids[0], ids[1]}
    assert sink.messages[0].mail_from == "uutiskirje@uutiset.example.fi"


def test_running_the_same_period_again_sends_nothing(
    runner: DigestRunner, sink: SmtpSink, five_readers: list[int]
) -> None:
    assert runner.run(Frequency.DAILY).sent == 5
    again = runner.run(Frequency.DAILY)
    assert (again.sent, again.skipped) == (0, 5)
    assert set(recipients(sink).values()) == {1} and len(recipients(sink)) == 5


def test_empty_digest_is_not_sent_and_weekly_readers_wait_for_their_run(
    runner: DigestRunner, sink: SmtpSink, seeded: Engine
) -> None:
    store_stories(seeded, [Story("Vain rahoitusta", tags=["funding"])])
    add_subscriber(seeded, "kunta@example.fi", audiences=["municipalities"])
    add_subscriber(seeded, "viikko@example.fi", audiences=["funding"], frequency=Frequency.WEEKLY)
    report = runner.run(Frequency.DAILY)
    assert (report.sent, report.empty) == (0, 1)
    assert sink.messages == [] and deliveries(seeded) == []
    assert runner.run(Frequency.WEEKLY).sent == 1
    assert list(recipients(sink)) == ["viikko@example.fi"]


def test_next_day_brings_only_new_stories(
    runner: DigestRunner, sink: SmtpSink, seeded: Engine, clock: FixedClock
) -> None:
    first = store_stories(seeded, [Story("Eilinen", tags=["municipalities"])])
    reader = add_subscriber(seeded, "anna@example.fi")
    runner.run(Frequency.DAILY)
    clock.advance(24 * 3600)
    second = store_stories(
        seeded, [Story("Tämän päivän", tags=["municipalities"], first_seen=clock.now())]
    )
    assert runner.run(Frequency.DAILY).sent == 1
    today = sink.messages[-1].message
    assert item_ids_in(today, {first[0]: "Eilinen", second[0]: "Tämän päivän"}) == {second[0]}
    assert delivered_ids(seeded, reader.id) == {first[0], second[0]}


def test_stories_that_did_not_fit_come_in_the_next_digest(
    runner: DigestRunner, sink: SmtpSink, seeded: Engine, clock: FixedClock
) -> None:
    ids = store_stories(
        seeded,
        [
            Story(f"Uutinen {n}", tags=["municipalities"], first_seen=NOW - timedelta(minutes=n))
            for n in range(1, MAX_STORIES + 6)
        ],
    )
    reader = add_subscriber(seeded, "anna@example.fi")
    runner.run(Frequency.DAILY)
    assert delivered_ids(seeded, reader.id) == set(ids[:MAX_STORIES])
    clock.advance(24 * 3600)
    assert runner.run(Frequency.DAILY).sent == 1
    assert delivered_ids(seeded, reader.id) == set(ids)
    assert sink.messages[-1].message["Subject"].endswith(": 5 uutta")


def test_unconfirmed_unsubscribed_and_bounced_addresses_get_nothing(
    runner: DigestRunner, sink: SmtpSink, seeded: Engine
) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    gone = add_subscriber(seeded, "gone@example.fi")
    bounced = add_subscriber(seeded, "bounced@example.fi")
    with session_scope(seeded) as session:
        store = SubscriberStore(session)
        store.unsubscribe(gone.id, NOW, via="test")
        for _ in range(3):
            store.record_bounce(bounced.id, 3, NOW, "550 no such user")
        store.register("pending@example.fi", gone.preferences, NOW, via="test")
    assert runner.run(Frequency.DAILY).sent == 0
    assert sink.messages == []


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the runner catches it."""


class CrashingMailer(Mailer):
    """A mailer whose process 'dies' right after SMTP accepted the ``crash_after``-th message."""

    def __init__(self, settings: Settings, clock: FixedClock, crash_after: int) -> None:
        super().__init__(settings, clock=clock)
        self.remaining = crash_after

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        with super().session() as smtp:
            send = smtp.send

            def send_then_crash(message: EmailMessage) -> None:
                send(message)
                self.remaining -= 1
                if self.remaining == 0:
                    raise Crash("killed between SMTP acceptance and the delivery log")

            smtp.send = send_then_crash  # type: ignore[method-assign]
            yield smtp


def test_crash_after_smtp_accepted_resumes_without_sending_anything_twice(
    seeded: Engine, settings: Settings, clock: FixedClock, sink: SmtpSink, five_readers: list[int]
) -> None:
    policy = DeliveryPolicy(batch_size=2)
    crashing = DigestRunner(
        seeded, settings, clock=clock, mailer=CrashingMailer(settings, clock, 3), policy=policy
    )
    with pytest.raises(Crash):
        crashing.run(Frequency.DAILY)
    assert len(sink.messages) == 3
    DigestRunner(seeded, settings, clock=clock, policy=policy).run(Frequency.DAILY)
    assert len(recipients(sink)) == 5 and set(recipients(sink).values()) == {1}
    statuses = Counter(row.status for row in deliveries(seeded))
    assert statuses == {"sent": 4, "sending": 1}
    stuck = next(row for row in deliveries(seeded) if row.status == "sending")
    assert delivered_ids(seeded, stuck.subscriber_id) == set()


def test_items_of_a_crashed_digest_arrive_in_the_next_one(
    seeded: Engine, settings: Settings, clock: FixedClock, sink: SmtpSink
) -> None:
    ids = store_stories(seeded, [Story("Ennen kaatumista", tags=["municipalities"])])
    reader = add_subscriber(seeded, "anna@example.fi")
    crashing = DigestRunner(
        seeded, settings, clock=clock, mailer=CrashingMailer(settings, clock, 1)
    )
    with pytest.raises(Crash):
        crashing.run(Frequency.DAILY)
    clock.advance(3 * 24 * 3600)  # three days later: beyond the daily lookback of two days
    later = store_stories(
        seeded, [Story("Myöhemmin", tags=["municipalities"], first_seen=clock.now())]
    )
    report = DigestRunner(seeded, settings, clock=clock).run(Frequency.DAILY)
    assert (report.sent, report.unknown) == (1, 1)
    assert [r.status for r in deliveries(seeded)] == ["unknown", "sent"]
    assert delivered_ids(seeded, reader.id) == {ids[0], later[0]}
    latest = sink.messages[-1].message
    assert item_ids_in(latest, {ids[0]: "Ennen kaatumista", later[0]: "Myöhemmin"}) == {
        ids[0],
        later[0],
    }


def test_temporary_failure_is_retried_with_backoff_without_holding_up_others(
    seeded: Engine, clock: FixedClock, five_readers: list[int]
) -> None:
    refusals = Counter[str]()

    def greylist(address: str) -> str | None:
        if address == "lukija2@kunta.example.fi" and refusals[address] < 2:
            refusals[address] += 1
            return "451 4.7.1 Greylisted, try again later"
        return None

    with SmtpSink(rcpt_policy=greylist) as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        policy = DeliveryPolicy(retry_base=timedelta(minutes=5), retry_for=timedelta(minutes=30))
        report = DigestRunner(seeded, settings, clock=clock, policy=policy).run(Frequency.DAILY)
    assert report.sent == 5 and report.retrying == 0
    order = [mail.rcpt_tos[0] for mail in sink.messages]
    assert order[-1] == "lukija2@kunta.example.fi"  # the others did not wait for it
    assert len(order) == 5
    assert clock.slept == [300.0, 600.0]  # 5 min, then 10 min
    row = next(r for r in deliveries(seeded) if r.subscriber_id == five_readers[2])
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")


def test_retry_left_for_a_later_run_is_sent_then(
    seeded: Engine, clock: FixedClock, five_readers: list[int]
) -> None:
    down = {"lukija0@kunta.example.fi"}
    with SmtpSink(rcpt_policy=lambda a: "421 4.3.2 Busy" if a in down else None) as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        runner = DigestRunner(seeded, settings, clock=clock)
        assert runner.run(Frequency.DAILY).retrying == 1
        row = deliveries(seeded)[0]
        assert row.status == "retry" and row.next_attempt_at == NOW + timedelta(minutes=5)
        assert runner.run(Frequency.DAILY).sent == 0  # not due yet
        down.clear()
        clock.advance(5 * 60)
        assert runner.run(Frequency.DAILY).sent == 1
    assert len(recipients(sink)) == 5 and set(recipients(sink).values()) == {1}


def test_retries_give_up_after_max_attempts(seeded: Engine, clock: FixedClock) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    add_subscriber(seeded, "busy@example.fi")
    with SmtpSink(rcpt_policy=lambda _: "452 4.2.2 Mailbox full") as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        policy = DeliveryPolicy(max_attempts=3, retry_for=timedelta(hours=2))
        report = DigestRunner(seeded, settings, clock=clock, policy=policy).run(Frequency.DAILY)
    assert (report.sent, report.failed, report.retrying) == (0, 1, 0)
    [row] = deliveries(seeded)
    assert row.status == "failed" and row.attempts == 3 and "452" in row.last_error


def test_permanent_failures_bounce_the_address_at_the_threshold(
    seeded: Engine, clock: FixedClock
) -> None:
    story_ids = []
    reader = add_subscriber(seeded, "ei.ole@example.fi")
    add_subscriber(seeded, "toimii@example.fi")
    with SmtpSink(
        rcpt_policy=lambda a: "550 5.1.1 No such user" if "ei.ole" in a else None
    ) as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        runner = DigestRunner(seeded, settings, clock=clock)
        for day in range(4):
            story_ids += store_stories(
                seeded, [Story(f"Päivä {day}", tags=["municipalities"], first_seen=clock.now())]
            )
            report = runner.run(Frequency.DAILY)
            assert report.bounced == (1 if day == 2 else 0)
            clock.advance(24 * 3600)
    assert len(sink.to("toimii@example.fi")) == 4
    with session_scope(seeded) as session:
        bounced = SubscriberStore(session).get(reader.id)
        events = [
            e.event
            for e in session.exec(select(MailEvent).where(MailEvent.subscriber_id == reader.id))
        ]
    assert bounced is not None and bounced.status is SubscriberStatus.BOUNCED
    assert bounced.bounce_count == 3
    assert events[-3:] == ["bounce", "bounce", "bounced"]
    failed = [r for r in deliveries(seeded) if r.subscriber_id == reader.id]
    assert [r.status for r in failed] == ["failed"] * 3  # the fourth day sent nothing


def test_a_success_resets_the_bounce_count(seeded: Engine, clock: FixedClock) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    reader = add_subscriber(seeded, "joskus@example.fi")
    with session_scope(seeded) as session:
        SubscriberStore(session).record_bounce(reader.id, 3, NOW, "550")
    with SmtpSink() as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        DigestRunner(seeded, settings, clock=clock).run(Frequency.DAILY)
    with session_scope(seeded) as session:
        after = SubscriberStore(session).get(reader.id)
    assert after is not None and after.bounce_count == 0


def test_refused_sender_is_retried_and_not_counted_as_the_readers_bounce(
    seeded: Engine, clock: FixedClock, sink: SmtpSink
) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    add_subscriber(seeded, "anna@example.fi")
    settings = make_settings(
        smtp_host=sink.host, smtp_port=sink.port, mail_from="bad@@uutiset.example.fi"
    )
    report = DigestRunner(seeded, settings, clock=clock).run(Frequency.DAILY)
    assert (report.retrying, report.bounced) == (1, 0)


def test_unreachable_server_stops_the_run_and_leaves_the_digest_to_retry(
    seeded: Engine, clock: FixedClock, five_readers: list[int]
) -> None:
    with SmtpSink() as probe:
        port = probe.port  # a port that nobody listens on once the sink stops
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port)
    with pytest.raises(MailServerUnavailable):
        DigestRunner(seeded, settings, clock=clock).run(Frequency.DAILY)
    [row] = deliveries(seeded)
    assert row.status == DeliveryStatus.RETRY.value


def test_dry_run_plans_without_sending_or_recording(
    runner: DigestRunner, sink: SmtpSink, seeded: Engine, five_readers: list[int]
) -> None:
    add_subscriber(seeded, "nothing@example.fi", audiences=["professionals"], topics=["amif"])
    report = runner.run(Frequency.DAILY, dry_run=True)
    assert sorted(n for _, n in report.planned) == [0, 1, 1, 1, 1, 1]
    assert sink.messages == [] and deliveries(seeded) == []


def test_preview_renders_without_recording(
    runner: DigestRunner, sink: SmtpSink, seeded: Engine, five_readers: list[int]
) -> None:
    message = runner.preview("LUKIJA1@kunta.example.fi")
    assert message is not None and "Kuntapaikat vuodelle 2027" in str(message.get_body(("plain",)))
    assert sink.messages == [] and deliveries(seeded) == []
    with pytest.raises(DeliveryError):
        runner.preview("nobody@example.fi")


def test_a_server_that_accepts_and_then_says_nothing_times_out_and_loses_nothing(
    seeded: Engine, clock: FixedClock, five_readers: list[int], sink: SmtpSink
) -> None:
    """A hung SMTP server (connection accepted, no greeting ever) ends the run with a clear
    error after the timeout; the digests wait for the next run, which delivers each once."""
    import socket
    import threading
    import time

    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_stay_silent() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    try:
        hung = make_settings(
            smtp_host="127.0.0.1", smtp_port=listener.getsockname()[1], smtp_timeout=0.5
        )
        started = time.monotonic()
        with pytest.raises(MailServerUnavailable) as raised:
            DigestRunner(seeded, hung, clock=clock).run(Frequency.DAILY)
        assert time.monotonic() - started < 10
        assert "timed out" in str(raised.value).lower()
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
    assert {row.status for row in deliveries(seeded)} <= {DeliveryStatus.RETRY.value}
    assert recipients(sink) == Counter()
    clock.advance(timedelta(hours=1).total_seconds())
    working = make_settings(smtp_host=sink.host, smtp_port=sink.port)
    DigestRunner(seeded, working, clock=clock).run(Frequency.DAILY)
    assert sorted(recipients(sink).values()) == [1] * len(five_readers)
