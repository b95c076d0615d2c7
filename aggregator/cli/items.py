"""``aggregator items list``: the newest stored stories."""

from __future__ import annotations

import json
from typing import Any

import click

from aggregator.cli.support import parse_since, runtime_of
from aggregator.display import format_datetime
from aggregator.normalize.dating import shown_date
from aggregator.store.items import latest_stories, story_versions
from aggregator.store.models import ItemRow
from aggregator.store.queries import VersionView


@click.group()
def items() -> None:
    """Stored stories."""


@items.command("list")
@click.option("--since", help="Only stories published (or first seen) on or after YYYY-MM-DD.")
@click.option("--source", "source_id", help="Only stories seen in this source.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story.")
@click.pass_context
def items_list(
    ctx: click.Context, since: str | None, source_id: str | None, limit: int, as_json: bool
) -> None:
    """The newest stored stories."""
    runtime = runtime_of(ctx)
    stories = latest_stories(
        runtime.engine, since=parse_since(since), source_id=source_id, limit=limit
    )
    versions = story_versions(runtime.engine, [row for row, _ in stories])
    for row, carried in stories:
        sources_of = sorted(carried)
        languages = versions.get(row.id or 0, ())
        if as_json:
            click.echo(json.dumps(_item_json(row, sources_of, languages), ensure_ascii=False))
        else:
            also = "/".join(v.language for v in languages) if len(languages) > 1 else ""
            click.echo(
                f"{_when(row)}  [{', '.join(sources_of)}]  {row.title}"
                + (f"  ({also})" if also else "")
            )


def _when(row: ItemRow) -> str:
    """The story's date as pages and feeds show it, "(first seen)" when it is no publication
    date (aggregator.normalize.dating)."""
    moment, first_seen = shown_date(row.date_kind, row.published_at, row.first_seen_at)
    return f"{format_datetime(moment)} (first seen)" if first_seen else format_datetime(moment)


def _item_json(
    row: ItemRow, source_ids: list[str], versions: tuple[VersionView, ...]
) -> dict[str, Any]:
    """One story: its own text, and ``versions``, each language's title and address (the
    story's own language among them)."""
    return {
        "id": row.id,
        "title": row.title,
        "summary": row.summary,
        "url": row.url,
        "language": row.language,
        "date": shown_date(row.date_kind, row.published_at, row.first_seen_at)[0].isoformat(),
        "date_kind": row.date_kind,
        "date_origin": row.date_origin or None,
        "date_note": row.date_note or None,
        "published": row.published_at.isoformat() if row.published_at else None,
        "first_seen": row.first_seen_at.isoformat(),
        "closed_when_seen": row.closed_when_seen,
        "sources": source_ids,
        "versions": [{"language": v.language, "title": v.title, "url": v.url} for v in versions],
    }
