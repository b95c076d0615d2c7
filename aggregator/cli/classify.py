"""``aggregator classify``: JSON lines in, audiences and topics with reasons out; no database.

It is how the default rules are checked from outside.
"""

from __future__ import annotations

import sys

import click

from aggregator.cli.support import runtime_of
from aggregator.tagging.classify import classify_stream
from aggregator.tagging.match import load_default_tagger


@click.command()
@click.pass_context
def classify(ctx: click.Context) -> None:
    """JSON lines in (title, summary, body, url, source, language) -> audiences, topics, why."""
    tagger = load_default_tagger(runtime_of(ctx).settings.config_dir)
    stats = classify_stream(sys.stdin, sys.stdout, tagger)
    if stats.errors:
        click.echo(f"{stats.errors} of {stats.items} line(s) could not be read", err=True)
