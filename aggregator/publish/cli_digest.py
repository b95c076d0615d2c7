"""``aggregator subscribers ...`` and ``aggregator digest ...``: the email digest commands.

``subscribers add`` goes through the same checks and double opt-in as the web form (the person
still confirms by email); ``remove`` erases the subscriber and everything stored about them.
``digest preview`` writes the HTML and text a subscriber would get now, recording nothing;
``digest send`` runs the delivery log for this period (see :mod:`aggregator.publish.delivery`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from aggregator.cli_support import runtime_of
from aggregator.display import format_datetime, table
from aggregator.publish.delivery import DeliveryPolicy, DigestRunner, RunReport
from aggregator.publish.forms import SubmittedForm, check_subscription
from aggregator.publish.subscriptions import Subscriptions
from aggregator.store.db import session_scope
from aggregator.store.subscribers import (
    Frequency,
    SubscriberStatus,
    SubscriberStore,
    SubscriberView,
)

FREQUENCY = click.Choice([f.value for f in Frequency])


# --- subscribers -----------------------------------------------------------------------------


@click.group()
def subscribers() -> None:
    """Digest subscribers."""


@subscribers.command("add")
@click.argument("email")
@click.option("--audience", "audiences", multiple=True, help="Audience id (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Topic id (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only these sources (repeatable).")
@click.option("--frequency", type=FREQUENCY, default="weekly", show_default=True)
@click.option("--language", type=click.Choice(["fi", "sv", "en"]), default="fi", show_default=True)
@click.pass_context
def subscribers_add(
    ctx: click.Context,
    email: str,
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    sources: tuple[str, ...],
    frequency: str,
    language: str,
) -> None:
    """Subscribe EMAIL on the person's request; they confirm through the emailed link."""
    service = Subscriptions.from_runtime(runtime_of(ctx))
    form = SubmittedForm(email, audiences, topics, sources, frequency, language, consent=True)
    checked = check_subscription(form, service.choices())
    if not checked.ok or checked.preferences is None:
        for name, message in checked.errors.items():
            click.echo(f"error: {name}: {message}", err=True)
        ctx.exit(2)
        return
    result = service.subscribe(email, checked.preferences, via="cli")
    if result.already_active:
        click.echo(f"{result.subscriber.email} already subscribes; sent a link to preferences")
    else:
        click.echo(f"{result.subscriber.email} is pending; sent the confirmation link")


@subscribers.command("list")
@click.option("--status", type=click.Choice([s.value for s in SubscriberStatus]))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per subscriber.")
@click.pass_context
def subscribers_list(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """Subscribers with their status and preferences."""
    chosen = SubscriberStatus(status) if status else None
    with session_scope(runtime_of(ctx).engine) as session:
        rows = SubscriberStore(session).listing(chosen)
    if as_json:
        for subscriber in rows:
            click.echo(json.dumps(_subscriber_json(subscriber), ensure_ascii=False))
        return
    headers = ["email", "status", "freq", "lang", "audiences", "topics", "confirmed", "bounces"]
    click.echo(table(headers, [_subscriber_row(subscriber) for subscriber in rows]))


def _subscriber_json(s: SubscriberView) -> dict[str, object]:
    return {
        "email": s.email,
        "status": s.status.value,
        "frequency": s.preferences.frequency.value,
        "language": s.language,
        "audiences": list(s.preferences.audiences),
        "topics": list(s.preferences.topics),
        "sources": list(s.preferences.sources),
        "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
        "bounces": s.bounce_count,
    }


def _subscriber_row(s: SubscriberView) -> list[object]:
    return [
        s.email,
        s.status.value,
        s.preferences.frequency.value,
        s.language,
        ",".join(s.preferences.audiences),
        ",".join(s.preferences.topics),
        format_datetime(s.confirmed_at),
        s.bounce_count,
    ]


@subscribers.command("remove")
@click.argument("email")
@click.pass_context
def subscribers_remove(ctx: click.Context, email: str) -> None:
    """Erase EMAIL and everything stored about it (deliveries, events)."""
    with session_scope(runtime_of(ctx).engine) as session:
        store = SubscriberStore(session)
        subscriber = store.by_email(email)
        if subscriber is not None:
            store.delete(subscriber.id)
    if subscriber is None:
        click.echo(f"error: no subscriber {email}", err=True)
        ctx.exit(1)
    click.echo(f"removed {subscriber.email if subscriber else email}")


# --- digest ----------------------------------------------------------------------------------


@click.group()
def digest() -> None:
    """Email digests."""


@digest.command("preview")
@click.argument("email")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for digest.html, digest.txt and digest.eml.",
)
@click.pass_context
def digest_preview(ctx: click.Context, email: str, out: Path) -> None:
    """Write the digest EMAIL would get now; nothing is sent or recorded."""
    runtime = runtime_of(ctx)
    runner = DigestRunner(runtime.engine, runtime.settings, clock=runtime.clock)
    message = runner.preview(email)
    if message is None:
        click.echo(f"nothing new for {email}: no digest would be sent")
        return
    out.mkdir(parents=True, exist_ok=True)
    for subtype, name in (("plain", "digest.txt"), ("html", "digest.html")):
        part = message.get_body((subtype,))
        assert part is not None
        (out / name).write_text(part.get_content(), encoding="utf-8")
    (out / "digest.eml").write_bytes(bytes(message))
    click.echo(f"{message['Subject']}\nwrote {out / 'digest.html'} and {out / 'digest.txt'}")


@digest.command("send")
@click.option("--frequency", type=FREQUENCY, required=True)
@click.option("--dry-run", is_flag=True, help="Show who would get how many items; send nothing.")
@click.option(
    "--retry-for",
    type=click.IntRange(0),
    default=900,
    show_default=True,
    help="Seconds to keep retrying temporary failures before leaving them to the next run.",
)
@click.option(
    "--connections",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="SMTP connections used at once (the rate limit is shared by all).",
)
@click.pass_context
def digest_send(
    ctx: click.Context, frequency: str, dry_run: bool, retry_for: int, connections: int
) -> None:
    """Send this period's digests (re-running a period sends nothing twice)."""
    runtime = runtime_of(ctx)
    policy = DeliveryPolicy(retry_for=timedelta(seconds=retry_for), connections=connections)
    runner = DigestRunner(runtime.engine, runtime.settings, clock=runtime.clock, policy=policy)
    report = runner.run(Frequency(frequency), dry_run=dry_run)
    if dry_run:
        click.echo(table(["email", "items"], [[e, n] for e, n in report.planned]))
    click.echo(_summary(report, dry_run))
    if report.failed and not report.sent:
        ctx.exit(1)


def _summary(report: RunReport, dry_run: bool) -> str:
    if dry_run:
        would = sum(1 for _, n in report.planned if n)
        return f"{report.frequency.value} {report.period}: {would} digest(s) would be sent"
    return (
        f"{report.frequency.value} {report.period}: sent {report.sent}, "
        f"nothing new {report.empty}, already done {report.skipped}, "
        f"retrying {report.retrying}, failed {report.failed} "
        f"(newly bounced {report.bounced}), outcome unknown {report.unknown}"
    )
