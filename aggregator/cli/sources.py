"""``aggregator sources list|check``: configured sources, their health, and a dry run of one."""

from __future__ import annotations

import json
from typing import Any

import click

from aggregator.cli.support import json_default, runtime_of
from aggregator.clock import HELSINKI
from aggregator.display import format_datetime, table
from aggregator.pipeline import check_source
from aggregator.runtime import Runtime
from aggregator.schedule import read_job_states, source_job_id
from aggregator.store.sources import read_states


@click.group()
def sources() -> None:
    """Configured sources and their health."""


def _health_rows(runtime: Runtime) -> list[dict[str, Any]]:
    states = read_states(runtime.engine)
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
            flags.append("selectors stale, read without them")
        if not source.enabled:
            flags.append("disabled")
        if not source.verified:
            flags.append("unverified")
        rows.append(
            {
                "id": source.id,
                "kind": source.kind,
                "enabled": source.enabled,
                "verified": source.verified,
                "verified_note": source.verified_note,
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
                "proposed_selectors": dict(state.proposed_selectors or {}) if state else {},
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
            click.echo(json.dumps(row, default=json_default, ensure_ascii=False))
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
    for r in rows:
        if not r["verified"]:
            click.echo(f"unverified {r['id']}: {r['verified_note'] or 'not seen on the live site'}")
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
        + (" (selectors stale, read without them: markup changed?)" if crawl.used_fallback else "")
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
