"""``aggregator tags retag``: re-apply the current rules to stored stories."""

from __future__ import annotations

import click

from aggregator.cli.support import parse_since, runtime_of
from aggregator.curation import retag
from aggregator.store.db import session_scope


@click.group()
def tags() -> None:
    """Tags on stored stories."""


@tags.command("retag")
@click.option("--since", help="Only stories published (or first seen) on or after YYYY-MM-DD.")
@click.pass_context
def tags_retag(ctx: click.Context, since: str | None) -> None:
    """Re-apply the current rules to stored stories; admins' overrides stay."""
    runtime = runtime_of(ctx)
    with session_scope(runtime.engine) as session:
        tagger = runtime.tagger_provider.tagger(session)
        result = retag(session, tagger, parse_since(since), now=runtime.clock.now())
    click.echo(f"checked {result.checked} stories, tags changed on {result.changed}")
