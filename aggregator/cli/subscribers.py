"""``aggregator subscribers add|list|remove``: digest subscribers.

``subscribers add`` goes through the same checks and double opt-in as the web form (the person
still confirms by email); ``remove`` erases the subscriber and everything stored about them.
"""

from __future__ import annotations

import json

import click

from aggregator.cli.support import frequency_choice, runtime_of
from aggregator.display import format_datetime, table
from aggregator.publish.forms import SubmittedForm, check_subscription
from aggregator.publish.subscriptions import Subscriptions
from aggregator.store import mailing
from aggregator.store.subscribers import SubscriberStatus, SubscriberView


@click.group()
def subscribers() -> None:
    """Digest subscribers."""


@subscribers.command("add")
@click.argument("email")
@click.option("--audience", "audiences", multiple=True, help="Audience id (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Topic id (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only these sources (repeatable).")
@click.option("--frequency", type=frequency_choice(), default="weekly", show_default=True)
@click.option("--language", type=click.Choice(["fi", "sv", "en"]), default="fi", show_default=True)
@click.option(
    "--news-language",
    "news_languages",
    type=click.Choice(["fi", "sv", "en"]),
    multiple=True,
    help="Only news published in this language (repeatable; default: every language).",
)
@click.pass_context
def subscribers_add(
    ctx: click.Context,
    email: str,
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    sources: tuple[str, ...],
    frequency: str,
    language: str,
    news_languages: tuple[str, ...],
) -> None:
    """Subscribe EMAIL on the person's request; they confirm through the emailed link."""
    service = Subscriptions.from_runtime(runtime_of(ctx))
    form = SubmittedForm(
        email,
        audiences,
        topics,
        sources,
        frequency,
        language,
        consent=True,
        news_languages=news_languages,
    )
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
    rows = mailing.subscribers(runtime_of(ctx).engine, chosen)
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
        "news_languages": list(s.preferences.languages),
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
    engine = runtime_of(ctx).engine
    subscriber = mailing.subscriber_by_email(engine, email)
    if subscriber is not None:
        mailing.delete(engine, subscriber.id)
    if subscriber is None:
        click.echo(f"error: no subscriber {email}", err=True)
        ctx.exit(1)
    click.echo(f"removed {subscriber.email if subscriber else email}")
