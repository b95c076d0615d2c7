"""``aggregator classify``: JSON lines in, audiences and topics with reasons out; no database.

It is how the default rules and the learned layer are checked from outside. The model comes
from a file, as ``classify`` has no database: ``--model FILE`` (exported with ``aggregator tags
train --out FILE``), else the packaged default model trained from the committed development
labels (:mod:`aggregator.tagging.labelled`); ``--rules-only`` uses none. Each reason in ``why``
says its ``origin``: ``rule`` (with the matched words), ``model`` (with its probability and the
words that weighed most) or ``source``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aggregator.cli.support import runtime_of
from aggregator.tagging.classify import classify_stream
from aggregator.tagging.labelled import default_model, load_model_file
from aggregator.tagging.match import load_default_tagger


@click.command()
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Learned model file (from `tags train --out`); default: the packaged model.",
)
@click.option("--rules-only", is_flag=True, help="No learned model: rules and sources only.")
@click.pass_context
def classify(ctx: click.Context, model_path: Path | None, rules_only: bool) -> None:
    """JSON lines in (title, summary, body, url, source, language) -> audiences, topics, why."""
    model = None
    if not rules_only:
        model = load_model_file(model_path) if model_path else default_model()
    tagger = load_default_tagger(runtime_of(ctx).settings.config_dir, model=model)
    stats = classify_stream(sys.stdin, sys.stdout, tagger)
    if stats.errors:
        click.echo(f"{stats.errors} of {stats.items} line(s) could not be read", err=True)
