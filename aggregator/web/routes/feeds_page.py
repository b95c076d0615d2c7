"""The feeds page: every feed address ready to copy into a feed reader, plus the OPML list.

The feeds themselves are served by :mod:`aggregator.web.routes.feeds`; this page only lists
their addresses (absolute, from ``settings.base_url``). A small GET form builds a custom feed
address from audiences and topics without JavaScript; ``/static/copy.js`` adds copy buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from aggregator.web.deps import LanguageDep, RuntimeDep, StoreDep, optional_admin, render_page
from aggregator.web.views import source_names, tag_options

# A logged-in admin sees the admin link in the header on public pages too.
router = APIRouter(dependencies=[Depends(optional_admin)])

FORMATS = ("rss", "atom", "json")


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One thing to follow, in each feed format; ``key`` makes the field ids unique."""

    key: str
    label: str
    urls: tuple[tuple[str, str], ...]


def _links(base: str, key: str, label: str, path: str, query: str = "") -> FeedLink:
    suffix = f"?{query}" if query else ""
    return FeedLink(key, label, tuple((fmt, f"{base}{path}.{fmt}{suffix}") for fmt in FORMATS))


@router.api_route("/feeds", methods=["GET", "HEAD"], response_class=HTMLResponse)
def feeds_page(
    request: Request, db: StoreDep, runtime: RuntimeDep, language: LanguageDep
) -> HTMLResponse:
    base = runtime.settings.base_url.rstrip("/")
    options = tag_options(db.tags.taxonomy(), language)
    chosen = [o for o in options if o.id in request.query_params.getlist("tag")]
    custom_query = urlencode([(o.kind, o.id) for o in chosen])
    sources = runtime.sources()
    names = source_names(sources, language)
    return render_page(
        request,
        "pages/feeds.html",
        everything=_links(base, "all", "", "/feeds/all"),
        grants=_links(base, "grants", "", "/feeds/grants"),
        audiences=[
            _links(base, f"audience-{o.id}", o.label, f"/feeds/audience/{o.id}")
            for o in options
            if o.kind == "audience"
        ],
        topics=[
            _links(base, f"topic-{o.id}", o.label, f"/feeds/topic/{o.id}")
            for o in options
            if o.kind == "topic"
        ],
        sources=[
            _links(base, f"source-{s.id}", names[s.id], f"/feeds/source/{s.id}")
            for s in sources
            if s.enabled
        ],
        options=options,
        chosen={o.id for o in chosen},
        custom=_links(base, "custom", "", "/feeds/custom", custom_query) if chosen else None,
        opml_url=f"{base}/feeds/index.opml",
        calendar_url=f"{base}/calendar/grants.ics",
    )
