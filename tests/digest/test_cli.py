"""``aggregator subscribers`` and ``aggregator digest`` through click, and one real
``aggregator digest send`` process killed while SMTP holds its message, then run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.cli import main
from aggregator.demo.smtp_sink import ReceivedMail, SmtpSink
from aggregator.runtime import Runtime
from aggregator.store.db import session_scope
from aggregator.store.models import DeliveredItem, Delivery
from aggregator.store.subscribers import SubscriberStatus, SubscriberStore
from tests.digest.conftest import BASE_URL, Story, add_subscriber, store_stories
from tests.support.paths import PROJECT_ROOT


def run(runtime: Runtime, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), obj=runtime, catch_exceptions=False)
    return result.exit_code, result.output


def test_subscribers_add_sends_the_confirmation_and_lists_pending(
    runtime: Runtime, sink: SmtpSink
) -> None:
    code, output = run(
        runtime, "subscribers", "add", "Anna@Kunta.example.fi",
        "--audience", "municipalities", "--topic", "legislation", "--language", "sv",
        "--news-language", "en", "--news-language", "sv",
    )  # fmt: skip
    assert code == 0 and "pending" in output
    [mail] = sink.messages
    assert mail.message["Subject"] == "Bekräfta din prenumeration på Kotoutumisuutiset"
    code, output = run(runtime, "subscribers", "list", "--json")
    [row] = [json.loads(line) for line in output.splitlines()]
    assert row["email"] == "anna@kunta.example.fi" and row["status"] == "pending"
    assert (row["audiences"], row["topics"], row["language"], row["news_languages"]) == (
        ["municipalities"],
        ["legislation"],
        "sv",
        ["sv", "en"],
    )


def test_subscribers_add_checks_like_the_form(runtime: Runtime, sink: SmtpSink) -> None:
    code, output = run(runtime, "subscribers", "add", "not-an-address", "--audience", "nope")
    assert code == 2
    assert "email: Enter an email address" in output and "audiences: Choose only" in output
    assert sink.messages == []


def test_subscribers_list_table_and_remove(runtime: Runtime, seeded: Engine) -> None:
    add_subscriber(seeded, "poistuva@example.fi")
    code, output = run(runtime, "subscribers", "list", "--status", "active")
    assert code == 0 and "poistuva@example.fi" in output and "municipalities" in output
    assert run(runtime, "subscribers", "remove", "POISTUVA@example.fi") == (
        0,
        "removed poistuva@example.fi\n",
    )
    code, output = run(runtime, "subscribers", "remove", "poistuva@example.fi")
    assert code == 1 and "no subscriber" in output


def test_digest_preview_writes_html_and_text_and_records_nothing(
    runtime: Runtime, seeded: Engine, sink: SmtpSink, tmp_path: Path
) -> None:
    store_stories(seeded, [Story("Kuntapaikat vuodelle 2027", tags=["municipalities"])])
    add_subscriber(seeded, "anna@example.fi")
    code, output = run(runtime, "digest", "preview", "anna@example.fi", "--out", str(tmp_path))
    assert code == 0 and "Päivän kotoutumisuutiset: 1 uusi" in output
    html = (tmp_path / "digest.html").read_text(encoding="utf-8")
    text = (tmp_path / "digest.txt").read_text(encoding="utf-8")
    assert "Kuntapaikat vuodelle 2027" in html and 'style="' in html
    assert "Kuntapaikat vuodelle 2027" in text and f"{BASE_URL}/unsubscribe/" in text
    assert sink.messages == []
    with session_scope(seeded) as session:
        assert session.exec(select(Delivery)).first() is None


def test_digest_send_dry_run_then_send(runtime: Runtime, seeded: Engine, sink: SmtpSink) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    add_subscriber(seeded, "anna@example.fi")
    add_subscriber(seeded, "bo@example.fi", audiences=["professionals"])
    code, output = run(runtime, "digest", "send", "--frequency", "daily", "--dry-run")
    assert code == 0 and "1 digest(s) would be sent" in output and sink.messages == []
    code, output = run(runtime, "digest", "send", "--frequency", "daily")
    assert code == 0 and "sent 1, nothing new 1" in output
    code, output = run(runtime, "digest", "send", "--frequency", "daily")
    assert "sent 0, nothing new 1, already done 1" in output
    assert len(sink.messages) == 1


# --- a real process, killed in the crash window ------------------------------------------------

READERS = 6


def _send_process(database_url: str, sink: SmtpSink) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AGGREGATOR_SMTP_HOST": sink.host,
        "AGGREGATOR_SMTP_PORT": str(sink.port),
        "AGGREGATOR_BASE_URL": BASE_URL,
        "AGGREGATOR_SECRET_KEY": "subprocess-secret",
        "AGGREGATOR_MAIL_FROM": "uutiskirje@uutiset.example.fi",
        "AGGREGATOR_MAIL_RATE_PER_SECOND": "0",
        "AGGREGATOR_CONFIG_DIR": "/nonexistent-config",
    }
    command = [sys.executable, "-m", "aggregator", "digest", "send", "--frequency", "daily"]
    return subprocess.Popen(
        [*command, "--retry-for", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.slow
def test_killed_send_process_resumes_and_every_reader_gets_exactly_one_message(
    database_url: str, seeded: Engine
) -> None:
    now = datetime.now(UTC)  # the processes use the system clock
    store_stories(
        seeded, [Story("Kuntapaikat", tags=["municipalities"], first_seen=now - timedelta(hours=1))]
    )
    emails = [f"lukija{n}@kunta.example.fi" for n in range(READERS)]
    for email in emails:
        add_subscriber(seeded, email, confirmed_at=now - timedelta(days=10))
    victim: list[subprocess.Popen[bytes]] = []

    def kill_on_third(mail: ReceivedMail) -> None:
        # Runs before the server answers the final dot: the client is killed while SMTP holds
        # the message and the delivery log still says "sending".
        if len(sink.messages) == 3 and victim:
            os.kill(victim[0].pid, signal.SIGKILL)

    with SmtpSink(on_message=kill_on_third) as sink:
        victim.append(_send_process(database_url, sink))
        assert victim[0].wait(timeout=60) == -signal.SIGKILL
        assert len(sink.messages) == 3
        victim.clear()
        second = _send_process(database_url, sink)
        output = second.communicate(timeout=60)[0].decode()
        assert second.returncode == 0, output
    assert "sent 3" in output and "already done 3" in output
    assert Counter(a for m in sink.messages for a in m.rcpt_tos) == dict.fromkeys(emails, 1)
    with session_scope(seeded) as session:
        rows = list(session.exec(select(Delivery)))
        stuck = [row for row in rows if row.status == "sending"]
        assert len(rows) == READERS and len(stuck) == 1
        undelivered = select(DeliveredItem).where(
            DeliveredItem.subscriber_id == stuck[0].subscriber_id
        )
        assert session.exec(undelivered).first() is None  # its items go into the next digest
        assert all(s.status is SubscriberStatus.ACTIVE for s in SubscriberStore(session).listing())
