"""``aggregator demo``: the whole service, offline, against the recorded copies of the sites.

One command starts, on loopback:

- the mirror of the recorded sites (the real fetcher, robots.txt and conditional GET go to it);
  a minute after start the kotoutuminen.fi news list gains a new story;
- an SMTP sink that writes every message it receives to ``var/mail/`` as an ``.eml`` file
  and prints its recipient, subject, file and links (confirm, manage, unsubscribe);
- the web app (pages, feeds, calendar, admin) with a demo admin account;
- the scheduler: every source every 20 s, digests every 2 minutes.

Before handing over to the scheduler it subscribes a demo reader through the real double opt-in
(the confirmation link is taken from the mail the sink received and opened against the running
web app), runs the first crawl pass, shows what was stored and sends the first digest. With
``--once`` it stops there (a quick end-to-end check); otherwise it runs until Ctrl-C and prints
each new story as the scheduler brings it in.
"""

from __future__ import annotations

import re
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import httpx
import uvicorn

from aggregator.demo.mirror import MirrorServer
from aggregator.demo.mirror.cli import DEFAULT_ROOT as DEFAULT_SITES
from aggregator.demo.mirror.manifest import Route
from aggregator.demo.smtp_sink import ReceivedMail, SmtpSink
from aggregator.display import format_date, format_datetime, run_table
from aggregator.normalize.dating import shown_date
from aggregator.pipeline import run_pass
from aggregator.publish.delivery import send_digests
from aggregator.publish.subscriptions import Subscriptions
from aggregator.runtime import Runtime
from aggregator.schedule.config import demo_schedule
from aggregator.schedule.service import build_scheduler
from aggregator.settings import Settings
from aggregator.store.admins import save_admin
from aggregator.store.grants import read_calls
from aggregator.store.items import DateCounts, newest_id, stored_overview, stories_after
from aggregator.store.subscribers import Frequency, Preferences
from aggregator.web.app import create_app

DEMO_DB = Path("var") / "demo.sqlite3"  # relative to the working folder
MAIL_DIR = Path("var") / "mail"
ADMIN_EMAIL = "admin@example.org"
READER_EMAIL = "lukija@example.org"
NEW_STORY_AFTER_SECONDS = 60
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
NEW_STORY_SLUG = "paloma-verkkokoulutus-avautuu-kuntien-ja-hyvinvointialueiden-tyontekijoille"


def demo_routes() -> dict[str, list[Route]]:
    """The mirror's timed change: a new story on the kotoutuminen.fi list after a minute."""
    later = "_variants/demo/uutiset-page-1-later.html"
    return {
        "kotoutuminen.fi": [
            Route(path="/uutiset", file=later, since_seconds=NEW_STORY_AFTER_SECONDS),
            Route(path=f"/-/{NEW_STORY_SLUG}", file=f"_variants/demo/{NEW_STORY_SLUG}.html"),
        ]
    }


def demo_settings(mirror_url: str, smtp_port: int, web_port: int, database: Path) -> Settings:
    """A fresh SQLite file, every host sent to the mirror, mail to the sink, short delays."""
    return Settings(
        database_url=f"sqlite:///{database}",
        base_url=f"http://127.0.0.1:{web_port}",
        mirror_url=mirror_url,
        mirror_hosts=[],
        host_delay=0.05,
        retries=1,
        backoff_base=0.1,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_rate_per_second=0,
    )


def _fresh_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


_MAIL_LINK = re.compile(r"https?://\S+/(?:confirm|manage|preferences|unsubscribe|u)/\S+")
_mail_count = 0
_mail_lock = threading.Lock()


def mail_links(mail: ReceivedMail) -> list[str]:
    """The confirmation, preference and unsubscribe links of a mail, in order, once each."""
    body = mail.message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    return list(dict.fromkeys(_MAIL_LINK.findall(text)))


def save_mail(mail: ReceivedMail, folder: Path = MAIL_DIR) -> Path:
    """Write a received mail as an .eml file anyone can open in a mail program."""
    global _mail_count
    with _mail_lock:
        _mail_count += 1
        number = _mail_count
    folder.mkdir(parents=True, exist_ok=True)
    recipient = re.sub(r"[^\w.@-]", "_", mail.rcpt_tos[0] if mail.rcpt_tos else "unknown")
    path = folder / f"{number:04d}-{recipient}.eml"
    path.write_bytes(mail.data)
    return path


def _print_mail(mail: ReceivedMail, folder: Path = MAIL_DIR) -> None:
    message = mail.message
    path = save_mail(mail, folder)
    click.echo(f"  [SMTP sink] mail to {', '.join(mail.rcpt_tos)}: {message['Subject']}")
    click.echo(f"              saved as {path}")
    for link in mail_links(mail):
        click.echo(f"              link: {link}")


def _fresh_mail_folder(folder: Path = MAIL_DIR) -> None:
    global _mail_count
    _mail_count = 0
    for old in folder.glob("*.eml"):
        old.unlink()


@contextmanager
def web_server(runtime: Runtime, port: int) -> Iterator[str]:
    """The web app served by uvicorn in a background thread; yields its URL."""
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise click.ClickException(f"the web app did not start on port {port} (in use?)")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def subscribe_reader(runtime: Runtime, sink: SmtpSink) -> None:
    """Double opt-in as a reader does it: subscribe, get the mail, open its link."""
    service = Subscriptions.from_runtime(runtime)
    preferences = Preferences(
        audiences=("municipalities", "funding"), frequency=Frequency.DAILY, language="fi"
    )
    service.subscribe(READER_EMAIL, preferences, via="demo")
    sink.wait_for(1)
    body = sink.to(READER_EMAIL)[-1].message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    link = re.search(r"https?://\S+/confirm/\S+", text)
    if link is None:
        raise click.ClickException("the confirmation mail had no confirmation link")
    answer = httpx.get(link.group(0), follow_redirects=True, timeout=10)
    click.echo(f"  confirmation link opened: HTTP {answer.status_code}")


def print_stored(runtime: Runtime) -> None:
    """Stories stored per source kind, the newest few, and the open grant calls."""
    overview = stored_overview(runtime.engine)
    now = runtime.clock.now()
    calls = read_calls(runtime.engine, closing_after=now)
    open_now = [c for c in calls if c.opens_at is None or c.opens_at <= now]
    upcoming = [c for c in calls if c.opens_at is not None and c.opens_at > now]
    kinds: Counter[str] = Counter()
    for source in runtime.configured_sources:
        kinds[source.kind] += overview.sightings.get(source.id, 0)
    by_kind = ", ".join(f"{kind}: {n} sightings" for kind, n in sorted(kinds.items()))
    click.echo(f"\nstored {overview.stories} stories ({by_kind}); newest:")
    for item in overview.newest:
        moment, first_seen = shown_date(item.date_kind, item.published_at, item.first_seen_at)
        seen = " (first seen)" if first_seen else ""
        click.echo(f"  {format_date(moment)}{seen}  {item.title[:100]}")
    print_dates(overview.dates)
    click.echo(f"\nopen grant calls ({len(open_now)}):")
    for call in open_now[:12]:
        deadline = (
            format_datetime(call.closes_at) if call.closes_has_time else format_date(call.closes_at)
        )
        click.echo(f"  {deadline if call.closes_at else 'jatkuva':22}  {call.title[:80]}")
    if upcoming:
        click.echo(f"\ngrant calls opening later ({len(upcoming)}):")
        for call in upcoming[:12]:
            opens = format_date(call.opens_at) if call.opens_at else ""
            click.echo(f"  avautuu {opens:14}  {call.title[:80]}")


def print_dates(dates: DateCounts) -> None:
    """Which dates the stories carry (aggregator.normalize.dating)."""
    origins = ", ".join(f"{origin} {n}" for origin, n in sorted(dates.published.items()))
    click.echo(
        f"\ndates: {sum(dates.published.values())} published ({origins}), "
        f"{dates.first_seen} first seen; {dates.closed_when_seen} calls had closed when first "
        "seen (not news); "
        f"dated after their first sighting: {dates.dated_after_first_seen}"
    )


def _watch_new_stories(runtime: Runtime, stop: threading.Event) -> None:
    """Print each story the scheduler stores after the first pass."""
    last_id = newest_id(runtime.engine)
    while not stop.wait(5):
        for row in stories_after(runtime.engine, last_id):
            click.echo(f"  [scheduler] new story: {row.title} (/items/{row.id})")
            last_id = max(last_id, row.id or 0)


def _print_welcome(url: str, mirror_url: str, sink: SmtpSink, password: str) -> None:
    click.echo(
        f"""
Kotoutumisuutiset demo is running (Ctrl-C stops it):
  web UI         {url}/            (Finnish; ?lang=sv or ?lang=en)
  admin          {url}/admin/login  user {ADMIN_EMAIL}  password {password}
  feeds          {url}/feeds        e.g. {url}/feeds/audience/funding.rss
  calendar       {url}/calendar/grants.ics
  recorded sites {mirror_url}   SMTP sink 127.0.0.1:{sink.port}
The scheduler crawls every source every 20 s and sends digests every 2 minutes; about a minute
after start kotoutuminen.fi publishes a new story, which appears in the UI and feeds by itself."""
    )


def run_demo(*, once: bool, port: int, database: Path = DEMO_DB) -> int:
    """Run the demo on a fresh ``database``; returns the exit status."""
    _fresh_database(database)
    mail_folder = database.parent / "mail"  # var/mail next to var/demo.sqlite3
    _fresh_mail_folder(mail_folder)
    with (
        MirrorServer(DEFAULT_SITES, extra_routes=demo_routes()) as mirror,
        SmtpSink(on_message=lambda mail: _print_mail(mail, mail_folder)) as sink,
    ):
        runtime = Runtime(demo_settings(mirror.url, sink.port, port, database))
        runtime.initialise()
        password = secrets.token_urlsafe(12)  # a fresh demo login each run, printed below
        save_admin(runtime.engine, ADMIN_EMAIL, password, runtime.clock.now(), reset=False)
        click.echo(f"mirror of the recorded sites at {mirror.url}; database {database}")
        with web_server(runtime, port) as url:
            click.echo("\nsubscribing a demo reader (double opt-in):")
            subscribe_reader(runtime, sink)
            click.echo("\nfirst crawl pass:")
            with runtime.fetcher() as fetcher:
                reports = run_pass(
                    runtime.sources(),
                    runtime.services(fetcher),
                    workers=runtime.settings.crawl_workers,
                )
                click.echo(run_table(reports))
            print_stored(runtime)
            click.echo("\nsending the daily digest:")
            report = send_digests(runtime, "daily")
            click.echo(f"  digests sent: {report.sent}")
            if not once:
                _serve_until_interrupted(runtime, url, mirror.url, sink, password)
        runtime.close()
    return 0


def _serve_until_interrupted(
    runtime: Runtime, url: str, mirror_url: str, sink: SmtpSink, password: str
) -> None:
    scheduler = build_scheduler(
        runtime,
        schedule_config=demo_schedule(),
        digest_runner=lambda frequency: send_digests(runtime, frequency),
    )
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_new_stories, args=(runtime, stop), daemon=True)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    scheduler.start()
    watcher.start()
    _print_welcome(url, mirror_url, sink, password)
    try:
        stop.wait()
        click.echo("\nstopping: the scheduler finishes its running job first")
    finally:
        stop.set()
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
