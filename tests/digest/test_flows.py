"""The functions the demo and the scheduler call, end to end: subscribe, confirm from the
emailed link, store stories, send the daily digests into an SmtpSink."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.demo.smtp_sink import SmtpSink
from aggregator.publish.delivery import send_digests
from aggregator.publish.subscriptions import Subscriptions
from aggregator.runtime import Runtime
from aggregator.store.subscribers import Frequency, Preferences, SubscriberStatus
from tests.digest.conftest import Story, store_stories


def test_subscribe_confirm_and_deliver(
    runtime: Runtime, seeded: Engine, sink: SmtpSink, clock: FixedClock
) -> None:
    service = Subscriptions.from_runtime(runtime)
    wanted = Preferences(audiences=("funding",), frequency=Frequency.DAILY, language="en")
    result = service.subscribe("demo@example.fi", wanted, via="demo")
    assert result.sent and not result.already_active
    assert service.confirm(result.link).status is SubscriberStatus.ACTIVE
    clock.advance(60)
    store_stories(seeded, [Story("AMIF call opens", tags=["funding"], first_seen=clock.now())])
    report = send_digests(runtime, Frequency.DAILY)
    assert report.sent == 1
    confirmation, digest = sink.messages
    text = confirmation.message.get_body(("plain",))
    assert text is not None and result.link in text.get_content()
    assert digest.message["Subject"] == "Your daily integration news: 1 new item"
    assert send_digests(runtime, Frequency.DAILY).sent == 0


def test_first_digest_has_the_recent_news_but_nothing_older_than_one_lookback(
    runtime: Runtime, seeded: Engine, sink: SmtpSink, clock: FixedClock
) -> None:
    store_stories(
        seeded,
        [
            Story("Old news", tags=["funding"], first_seen=clock.now() - timedelta(days=9)),
            Story("Recent news", tags=["funding"], first_seen=clock.now()),
        ],
    )
    clock.advance(60)
    service = Subscriptions.from_runtime(runtime)
    result = service.subscribe("late@example.fi", Preferences(audiences=("funding",)), via="demo")
    service.confirm(result.link)
    clock.advance(timedelta(days=1).total_seconds())
    report = send_digests(runtime, Frequency.WEEKLY)
    assert (report.sent, report.empty) == (1, 0)
    digest = sink.messages[-1].message
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Recent news" in text
    assert "Old news" not in text
