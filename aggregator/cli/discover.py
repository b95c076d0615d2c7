"""``aggregator sources discover URL [--json]``: what the list reader finds on one page.

The page is fetched through the real fetcher (robots.txt, the SSRF guard and
``AGGREGATOR_ALLOW_PRIVATE_ADDRESSES``, the mirror in tests and the demo), then read by
:func:`aggregator.sources.listing.discover`. People get the lists best first with their items
and next page, the feeds on offer and a ``[[source]]`` block to paste into
``config/sources.toml``; ``--json`` prints the best list as one JSON object.
"""

from __future__ import annotations

import json

import click

from aggregator.cli.support import runtime_of
from aggregator.sources.listing import CandidateList, Discovery, ListItem, discover

SHOWN_LISTS = 3
SHOWN_ITEMS_OTHER_LISTS = 5


@click.command("discover")
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="The best list as one JSON object.")
@click.pass_context
def discover_command(ctx: click.Context, url: str, as_json: bool) -> None:
    """Fetch URL once and show the news lists, next page and feeds found, with a
    ready [[source]] block."""
    runtime = runtime_of(ctx)
    with runtime.fetcher() as fetcher:
        page = fetcher.get(url)
    found = discover(page.body, page.final_url or page.url, page.headers.get("content-type"))
    if as_json:
        click.echo(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(describe(found))
    if found.best is None and not found.feeds:
        click.echo("error: no news list and no feed found on the page", err=True)
        ctx.exit(1)


def describe(found: Discovery) -> str:
    """The discovery as text for people."""
    lines = [f"{found.url}" + (f"  ({found.title})" if found.title else "")]
    if not found.lists:
        lines.append("no news list found")
    for number, candidate in enumerate(found.lists[:SHOWN_LISTS], 1):
        lines += ["", *_list_lines(number, candidate)]
    lines += ["", "feeds on offer:" if found.feeds else "feeds on offer: none"]
    lines += [
        f"  {f.type or 'feed':4}  {f.url}  ({f.origin}) {f.title}".rstrip() for f in found.feeds
    ]
    lines += ["", "[[source]] block for config/sources.toml:", "", found.source_toml()]
    return "\n".join(lines)


def _list_lines(number: int, candidate: CandidateList) -> list[str]:
    head = f"list {number}: {len(candidate.items)} items, score {candidate.score}"
    lines = [head + ("  (best)" if number == 1 else ""), f"  where: {candidate.where}"]
    next_page = candidate.next_page
    if next_page is None:
        lines.append("  next page: none")
    else:
        paged = f", paged by {next_page.parameter}" if next_page.parameter else ""
        lines.append(f"  next page: {next_page.url}  (by {next_page.how}{paged})")
    shown = candidate.items if number == 1 else candidate.items[:SHOWN_ITEMS_OTHER_LISTS]
    lines += [line for item in shown for line in _item_lines(item)]
    if len(shown) < len(candidate.items):
        lines.append(f"  ... and {len(candidate.items) - len(shown)} more")
    return lines


def _item_lines(item: ListItem) -> list[str]:
    when = item.published_iso() or "(no date)"
    kind = f"  [{item.kind}]" if item.kind else ""
    lines = [f"  - {when[:16]:16}  {item.title}{kind}", f"    {item.url}"]
    if item.summary:
        lines.append(f"    {item.summary[:160]}")
    return lines
