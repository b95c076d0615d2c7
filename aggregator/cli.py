"""The ``aggregator`` command: the contract other tools, the scheduler and the tests rely on.

Each command is a thin shell over the pipeline, store and publish modules; output is plain text
for people or JSON lines with ``--json`` for tools. Exit status 0 means success, 1 a failure the
output explains, 2 a usage error.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import col, select

from aggregator.cli_support import parse_since, runtime_of
from aggregator.clock import HELSINKI
from aggregator.display import format_datetime, table
from aggregator.errors import AggregatorError
from aggregator.health import RunReport, RunStatus
from aggregator.pipeline import check_source, run_pass
from aggregator.runtime import Runtime
from aggregator.schedule import read_job_states, source_job_id
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, Sighting
from aggregator.store.sources import SourceStore


@click.group()
@click.version_option(package_name="kotoutumisuutiset-aggregator")
def main() -> None:
    """Kotoutumisuutiset: news and grant calls on immigrant integration in Finland."""


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or upgrade the database."""
    runtime = runtime_of(ctx)
    tags, rules = runtime.initialise()
    click.echo(f"database ready: {runtime.engine.url.render_as_string(hide_password=True)}")
    if tags or rules:
        click.echo(f"seeded {tags} tags and {rules} rules from {runtime.settings.config_dir}")


# --- sources ---------------------------------------------------------------------------------


@main.group()
def sources() -> None:
    """Configured sources and their health."""


def _health_rows(runtime: Runtime) -> list[dict[str, Any]]:
    with session_scope(runtime.engine) as session:
        states = SourceStore(session).all_states()
    jobs = read_job_states(runtime)
    rows = []
    for source in runtime.sources():
        state = states.get(source.id)
        job = jobs.get(source_job_id(source.id))
        next_run = job.next_run_at if job else None
        flags = ["stale"] if job is not None and job.stale else []
        if state is not None and state.markup_changed:
            flags.append("markup changed?")
        if state is not None and state.used_fallback:
            flags.append("fallback")
        if not source.enabled:
            flags.append("disabled")
        rows.append(
            {
                "id": source.id,
                "kind": source.kind,
                "enabled": source.enabled,
                "last_attempt": state.last_attempt_at if state else None,
                "last_success": state.last_success_at if state else None,
                "last_error": (
                    f"{state.last_error_kind}: {state.last_error_message}"
                    if state and state.last_error_kind
                    else ""
                ),
                "failures": state.consecutive_failures if state else 0,
                "items_last_run": state.items_last_run if state else 0,
                "next_due": next_run or (state.next_due_at if state else None),
                "last_result": ("running" if job.running else job.last_result) if job else "",
                "flags": flags,
            }
        )
    return rows


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@click.pass_context
def sources_list(ctx: click.Context, as_json: bool) -> None:
    """Every source with its health: last success, errors, items, next run, flags."""
    rows = _health_rows(runtime_of(ctx))
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=_json_default, ensure_ascii=False))
        return
    click.echo(
        table(
            ["source", "kind", "last success", "fails", "items", "last run", "next run", "flags"],
            [
                [
                    r["id"],
                    r["kind"],
                    format_datetime(r["last_success"]),
                    r["failures"],
                    r["items_last_run"],
                    r["last_result"] or "–",
                    format_datetime(r["next_due"]),
                    "; ".join([*r["flags"], r["last_error"][:80]]).strip("; "),
                ]
                for r in rows
            ],
        )
    )
    for job in read_job_states(runtime_of(ctx)).values():
        if job.kind != "source":
            last = "running" if job.running else job.last_result or "–"
            click.echo(f"{job.job_id}: next {format_datetime(job.next_run_at)}, last {last}")


@sources.command("check")
@click.argument("source_id")
@click.pass_context
def sources_check(ctx: click.Context, source_id: str) -> None:
    """Fetch and parse one source, print what was extracted, store nothing."""
    runtime = runtime_of(ctx)
    source = runtime.source(source_id)
    with runtime.fetcher() as fetcher:
        result = check_source(source, fetcher)
    crawl = result.crawl
    click.echo(
        f"{source.id}: {crawl.pages_fetched} page(s) fetched, {len(result.items)} item(s)"
        + (" (generic fallback extractor: markup changed?)" if crawl.used_fallback else "")
    )
    for item in result.items:
        when = (
            format_datetime(item.published)
            if item.published_has_time
            else (item.published.astimezone(HELSINKI).date().isoformat() if item.published else "–")
        )
        click.echo(f"- {when}  {item.title}\n    {item.canonical_url}")
    for warning in crawl.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.error is not None:
        click.echo(f"error: {result.error.kind}: {result.error}", err=True)
        ctx.exit(1)


# --- fetch -----------------------------------------------------------------------------------


def print_reports(reports: list[RunReport]) -> None:
    click.echo(
        table(
            ["source", "status", "found", "new", "updated", "pages", "304", "seconds", "error"],
            [
                [
                    r.source_id,
                    r.status.value,
                    r.items_found,
                    r.items_new,
                    r.items_updated,
                    r.pages_fetched,
                    r.pages_not_modified,
                    f"{r.seconds:.2f}",
                    f"{r.error_kind}: {r.error_message}"[:100] if r.error_kind else "",
                ]
                for r in reports
            ],
        )
    )


@main.command()
@click.option("--source", "source_id", help="Only this source.")
@click.pass_context
def fetch(ctx: click.Context, source_id: str | None) -> None:
    """One crawl pass over every enabled source (or one)."""
    runtime = runtime_of(ctx)
    chosen = (
        [runtime.source(source_id)] if source_id else [s for s in runtime.sources() if s.enabled]
    )
    with runtime.fetcher() as fetcher:
        reports = run_pass(chosen, runtime.services(fetcher))
    print_reports(reports)
    if any(r.status is RunStatus.FAILED for r in reports):
        ctx.exit(1)


# --- items -----------------------------------------------------------------------------------


@main.group()
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


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --- mirror and demo -------------------------------------------------------------------------


@main.command()
@click.option("--port", default=8765, show_default=True)
@click.option("--root", type=click.Path(file_okay=False), help="Recorded sites folder.")
@click.option("--check", "check_only", is_flag=True, help="Only validate every _site.toml.")
def mirror(port: int, root: str | None, check_only: bool) -> None:
    """Serve the recorded sites on loopback (point AGGREGATOR_MIRROR_URL at it)."""
    from pathlib import Path

    from aggregator.mirror.cli import DEFAULT_ROOT, check, serve

    folder = Path(root) if root else DEFAULT_ROOT
    if check_only:
        click.echo(check(folder))
    else:
        serve(folder, port)


@main.command()
@click.option("--once", is_flag=True, help="One pass and exit (no web server or scheduler).")
@click.option("--port", default=8000, show_default=True, help="Web UI port.")
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False),
    help="SQLite file to (re)create; default var/demo.sqlite3.",
)
def demo(once: bool, port: int, database: str | None) -> None:
    """Everything, offline, against the recorded sites."""
    from pathlib import Path

    from aggregator.demo import DEMO_DB, run_demo

    sys.exit(run_demo(once=once, port=port, database=Path(database) if database else DEMO_DB))


def run() -> None:
    """Console entry: known errors become one clear line and exit status 1."""
    try:
        main(standalone_mode=True)
    except AggregatorError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except (OperationalError, ProgrammingError) as error:
        click.echo(f"error: database: {error.orig or error}", err=True)
        if _missing_schema(error):
            click.echo("the database has no tables yet: run `aggregator init` first", err=True)
        sys.exit(1)


def _missing_schema(error: Exception) -> bool:
    text = str(error).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


from aggregator.publish.cli_feeds import feed as feed_group  # noqa: E402

main.add_command(feed_group)

from aggregator.web.commands import admin as admin_group  # noqa: E402
from aggregator.web.commands import serve as serve_command  # noqa: E402

main.add_command(admin_group)
main.add_command(serve_command)

from aggregator.publish.cli_digest import digest as digest_group  # noqa: E402
from aggregator.publish.cli_digest import subscribers as subscribers_group  # noqa: E402

main.add_command(subscribers_group)
main.add_command(digest_group)

from aggregator.schedule.process import run_command  # noqa: E402

main.add_command(run_command)

import aggregator.cli_curation  # noqa: E402, F401  (classify, tags, grants register on main)
