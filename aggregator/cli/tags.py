"""``aggregator tags retag|train|evaluate``: re-tag stored stories; the learned layer.

``retag`` re-applies the current rules and the newest stored model to stored stories (admins'
overrides stay). ``train`` fits a model on the labelled files (default: the development half of
the real items, ``tests/data/real/``) and every editor decision in the database, stores it as a
new version (taggers use it at once; ``retag`` re-tags the stored stories with it) and with
``--out`` also writes it to a file for ``aggregator classify --model``. ``evaluate`` prints
precision and recall per audience (all and per language) of the shipped rules plus the model,
cross-validated on the development half (``--grouped`` keeps each publisher list in one fold,
``--min-support 2`` drops rule terms that fired on one release only, ``--audit`` prints each
rule term's support); ``--sealed`` trains on the development half and scores
the sealed half once (the final measurement; nothing may be tuned on it). ``agreement`` scores a
second blind labelling of the same items against the committed labels (precision, recall and
Cohen's kappa per tag): how far two careful labellers following the guide agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from aggregator.cli.support import parse_since, runtime_of
from aggregator.learning import FOLDS, evaluate, train
from aggregator.store.tagging import retag_stored
from aggregator.tagging.agreement import agreement, format_agreement, second_labels
from aggregator.tagging.evaluation import format_report
from aggregator.tagging.labelled import (
    development_files,
    read_examples,
    read_records,
    sealed_files,
)
from aggregator.tagging.morphology import create_morphology
from aggregator.tagging.support import format_support
from aggregator.tagging.taxonomy import load_taxonomy


@click.group()
def tags() -> None:
    """Tags on stored stories, and the learned tagging layer."""


@tags.command("retag")
@click.option("--since", help="Only stories published (or first seen) on or after YYYY-MM-DD.")
@click.pass_context
def tags_retag(ctx: click.Context, since: str | None) -> None:
    """Re-apply the current rules and model to stored stories; admins' overrides stay."""
    runtime = runtime_of(ctx)
    result = retag_stored(
        runtime.engine, runtime.tagger_provider, parse_since(since), runtime.clock.now()
    )
    click.echo(f"checked {result.checked} stories, tags changed on {result.changed}")


LABELS_HELP = "Labelled JSON-lines file (repeatable); default: tests/data/real/*.jsonl."
labels_option = click.option(
    "--labels",
    "labels",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=LABELS_HELP,
)


@tags.command("train")
@labels_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the model to this file.",
)
@click.option(
    "--no-database", is_flag=True, help="Labelled files only; store nothing (needs --out)."
)
@click.option("--no-measure", is_flag=True, help="Skip the cross-validated figures.")
@click.pass_context
def tags_train(
    ctx: click.Context,
    labels: tuple[Path, ...],
    out: Path | None,
    no_database: bool,
    no_measure: bool,
) -> None:
    """Retrain the learned layer from labelled files and editors' decisions."""
    runtime = runtime_of(ctx)
    config_dir = runtime.settings.config_dir
    files = list(labels) or development_files(config_dir)
    if no_database and out is None:
        raise click.UsageError("--no-database stores nothing: give --out FILE")
    morphology = create_morphology()
    now = runtime.clock.now()
    result = train(
        config_dir=config_dir,
        label_files=files,
        morphology=morphology,
        engine=None if no_database else runtime.engine,
        now=now,
        actor="" if no_database else "cli",
        measure=not no_measure,
    )
    if out is not None:
        out.write_bytes(result.model.to_json())
    click.echo(
        f"trained on {result.labelled} labelled item(s) and {result.editor_labels} editor-labelled "
        f"story(ies) in {result.seconds:.2f} CPU s; tags: {', '.join(result.model.tags)}"
    )
    if result.version is not None:
        click.echo(
            f"stored as model version {result.version} "
            "(`aggregator tags retag` re-tags the stored stories with it)"
        )
    if out is not None:
        click.echo(f"written to {out}")
    if result.metrics:
        click.echo(
            format_report(
                result.metrics["cross_validated"],
                f"cross-validated ({FOLDS} folds) on the labelled files",
            )
        )


@tags.command("evaluate")
@labels_option
@click.option(
    "--sealed",
    is_flag=True,
    help="Train on the development half, score the sealed half (once, at the end).",
)
@click.option("--folds", default=FOLDS, show_default=True, type=click.IntRange(2, 20))
@click.option("--rules-only", is_flag=True, help="Measure the rules without a model.")
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@click.option(
    "--errors",
    "show_errors",
    is_flag=True,
    help="Also list every wrong audience decision with the rule or model that made it.",
)
@click.option(
    "--grouped",
    is_flag=True,
    help="Keep every publisher list (with the language versions of its releases) in one fold.",
)
@click.option(
    "--min-support",
    default=0,
    type=click.IntRange(0, 10),
    help="Drop the rule terms that fired on fewer release groups of the development half "
    "(2: no item is tagged by a term that fired on it alone).",
)
@click.option(
    "--audit",
    is_flag=True,
    help="Also print the rule-support audit: per rule term the release groups and items it "
    "fired on and its precision there.",
)
@click.pass_context
def tags_evaluate(
    ctx: click.Context,
    labels: tuple[Path, ...],
    sealed: bool,
    folds: int,
    rules_only: bool,
    as_json: bool,
    show_errors: bool,
    grouped: bool,
    min_support: int,
    audit: bool,
) -> None:
    """Precision and recall per audience and language: cross-validated, or on the sealed half."""
    config_dir = runtime_of(ctx).settings.config_dir
    development = list(labels) or development_files(config_dir)
    if sealed and (show_errors or grouped or min_support or audit):
        raise click.ClickException(
            "--errors, --grouped, --min-support and --audit are for the development half only"
        )
    held = sealed_files(config_dir) if sealed else []
    if sealed and not held:
        raise click.ClickException("no sealed files under tests/data/real/sealed/")
    figures = evaluate(
        config_dir=config_dir,
        development=development,
        sealed=held,
        morphology=create_morphology(),
        folds=folds,
        with_model=not rules_only,
        with_errors=show_errors,
        by_publisher=grouped,
        min_support=min_support,
        with_support=audit,
    )
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        return
    what = "rules" if rules_only else "rules + model"
    if min_support:
        what += f" (rule terms on >= {min_support} release groups)"
    folds_kind = "folds by publisher list" if grouped else "folds"
    title = (
        f"{what}, sealed half"
        if sealed
        else f"{what}, cross-validated ({folds} {folds_kind}) on the development half"
    )
    click.echo(format_report(figures, title))
    if audit:
        click.echo("\n".join(["", "rule-support audit:", format_support(figures["support"])]))
    if show_errors:
        click.echo("\n".join(["", "wrong audience decisions:", *figures["errors"]]))


@tags.command("agreement")
@click.argument("second", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@labels_option
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@click.pass_context
def tags_agreement(
    ctx: click.Context, second: Path, labels: tuple[Path, ...], as_json: bool
) -> None:
    """How far a second blind labelling (SECOND: id, audiences, topics per line) agrees with
    the labelled files (default: the development half)."""
    config_dir = runtime_of(ctx).settings.config_dir
    taxonomy = load_taxonomy(config_dir / "taxonomy.toml")
    first = read_examples(list(labels) or development_files(config_dir), taxonomy)
    figures = agreement(first, second_labels(read_records(second), taxonomy), taxonomy)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        return
    click.echo(format_agreement(figures, f"{second.name} against the labelled files"))
