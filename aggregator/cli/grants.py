"""``aggregator grants list|extract``: grant calls by deadline, and the extractor on JSON lines.

``grants extract`` reads JSON lines on stdin and writes JSON lines on stdout with no database:
it is how the extractor is checked from outside.
"""

from __future__ import annotations

import json
import sys

import click

from aggregator.cli.support import runtime_of
from aggregator.display import format_date, format_datetime, table
from aggregator.grants.cli_io import extract_stream
from aggregator.grants.lifecycle import GrantStatus, days_left, status
from aggregator.store.grants import fields_of, read_calls
from aggregator.store.queries import GrantView


@click.group()
def grants() -> None:
    """Grant calls."""


def _deadline(call: GrantView) -> str:
    if call.rolling and call.closes_at is None:
        return "jatkuva"
    if call.closes_at is None:
        return "–"
    return format_datetime(call.closes_at) if call.closes_has_time else format_date(call.closes_at)


@grants.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only calls still open (or rolling).")
@click.option("--all", "everything", is_flag=True, help="Also calls in unrelated fields.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per call.")
@click.pass_context
def grants_list(ctx: click.Context, open_only: bool, everything: bool, as_json: bool) -> None:
    """Grant calls by deadline, with status and days left (Europe/Helsinki)."""
    runtime = runtime_of(ctx)
    now = runtime.clock.now()
    calls = read_calls(runtime.engine, relevant_only=not everything)
    rows = []
    for call in calls:
        state = status(fields_of(call), now)
        if open_only and state in (GrantStatus.CLOSED, GrantStatus.UNKNOWN):
            continue
        rows.append((call, state, days_left(fields_of(call), now)))
    if as_json:
        for call, state, left in rows:
            click.echo(json.dumps(_call_json(call, state, left), ensure_ascii=False))
        return
    click.echo(
        table(
            ["deadline", "status", "days", "programme", "amount €", "call"],
            [
                [
                    _deadline(call),
                    state.value,
                    "" if left is None else left,
                    call.programme or "",
                    "" if call.amount_eur is None else f"{call.amount_eur:,.0f}",
                    call.title[:70] + (" (deadline changed)" if call.deadline_changed_at else ""),
                ]
                for call, state, left in rows
            ],
        )
    )


def _call_json(call: GrantView, state: GrantStatus, left: int | None) -> dict[str, object]:
    return {
        "id": call.id,
        "title": call.title,
        "status": state.value,
        "days_left": left,
        "opens_at": call.opens_at.isoformat() if call.opens_at else None,
        "closes_at": call.closes_at.isoformat() if call.closes_at else None,
        "closes_has_time": call.closes_has_time,
        "rolling": call.rolling,
        "amount_eur": call.amount_eur,
        "programme": call.programme,
        "funder": call.funder,
        "eligible": list(call.eligible),
        "url": call.apply_url or call.url,
        "deadline_changed": call.deadline_changed_at is not None,
        "items": list(call.item_ids),
    }


@grants.command("extract")
def grants_extract() -> None:
    """JSON lines in (title, body or summary, published, language) -> grant-call fields."""
    counts = extract_stream(sys.stdin, sys.stdout)
    if counts.errors:
        click.echo(f"{counts.errors} of {counts.items} line(s) could not be read", err=True)
