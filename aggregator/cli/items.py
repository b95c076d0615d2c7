"""``aggregator items list``: the newest stored stories."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlmodel import col, select

from aggregator.cli.support import parse_since, runtime_of
from aggregator.display import format_datetime
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, Sighting


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
    query = select(ItemRow).order_by(col(ItemRow.sort_at).desc(), col(ItemRow.id).desc())
    since_at = parse_since(since)
    if since_at is not None:
        query = query.where(col(ItemRow.sort_at) >= since_at)
    if source_id:
        seen = select(Sighting.item_id).where(Sighting.source_id == source_id)
        query = query.where(col(ItemRow.id).in_(seen))
    with session_scope(runtime.engine) as session:
        rows = list(session.exec(query.limit(limit)))
        sightings = _sightings_by_item(session, [r.id for r in rows if r.id is not None])
    for row in rows:
        sources_of = sorted(sightings.get(row.id or 0, []))
        if as_json:
            click.echo(json.dumps(_item_json(row, sources_of), ensure_ascii=False))
        else:
            click.echo(f"{format_datetime(row.sort_at)}  [{', '.join(sources_of)}]  {row.title}")


def _sightings_by_item(session: Any, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for sighting in session.exec(select(Sighting).where(col(Sighting.item_id).in_(ids))):
        found.setdefault(sighting.item_id, []).append(sighting.source_id)
    return found


def _item_json(row: ItemRow, source_ids: list[str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "summary": row.summary,
        "url": row.url,
        "language": row.language,
        "published": row.published_at.isoformat() if row.published_at else None,
        "first_seen": row.first_seen_at.isoformat(),
        "sources": source_ids,
    }
