"""One verification fetch per source, and the verdict a person reads in a table.

:func:`verify_source` crawls a source the way a pass would (list pages up to ``max_pages``,
then a few articles) through a ``get(url) -> Page`` function, stores nothing, and sums it up
in a :class:`Verdict`: the first page's HTTP status and final URL, whether the configured
selectors hit or the list was read without them, items, pages followed, dates parsed,
articles read, and one word: ``ok``, ``selectors stale``, ``empty`` or ``failed``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aggregator.errors import AggregatorError, FetchError
from aggregator.normalize.urls import url_key
from aggregator.pipeline import crawl_source
from aggregator.sources.registry import SourceConfig, parser_for
from aggregator.types import Page, RawItem

OK, STALE, EMPTY, FAILED = "ok", "selectors stale", "empty", "failed"
HIT, MISSED, WITHOUT, NOT_HTML = "hit", "missed", "read without", "–"
NONE_CONFIGURED = "none configured"
HEADERS = (
    "source", "status", "final URL", "selectors", "items", "pages", "dates", "articles", "verdict"
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one verification fetch of one source showed."""

    source_id: str
    status: int | None
    url: str
    final_url: str
    selectors: str
    items: int
    pages: int
    dated: int
    articles_read: int
    articles_tried: int
    verdict: str
    problem: str = ""

    def row(self) -> list[str]:
        return [
            self.source_id,
            str(self.status) if self.status else "–",
            ("(as asked)" if self.final_url == self.url else self.final_url) or "–",
            self.selectors,
            str(self.items),
            str(self.pages),
            f"{self.dated}/{self.items}",
            f"{self.articles_read}/{self.articles_tried}" if self.articles_tried else "–",
            self.verdict,
        ]

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source_id,
            "status": self.status,
            "url": self.url,
            "final_url": self.final_url,
            "selectors": self.selectors,
            "items": self.items,
            "pages": self.pages,
            "dates_parsed": self.dated,
            "articles_read": self.articles_read,
            "articles_tried": self.articles_tried,
            "verdict": self.verdict,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class FirstAnswer:
    """The HTTP status and final URL of a source's first page (from the recorder)."""

    status: int | None
    final_url: str


def verify_source(
    source: SourceConfig,
    get: Callable[[str], Page],
    first_answer: Callable[[str], FirstAnswer],
    *,
    articles: int = 3,
    fetch_every_article: bool = False,
) -> Verdict:
    """Fetch and parse ``source`` once through ``get``; read up to ``articles`` articles.

    ``fetch_every_article`` also fetches the other articles (for a recording); they do not
    count in the verdict, so a recording replays to the same table.
    """
    crawl = crawl_source(source, lambda _source_id, url: get(url))
    first = first_answer(source.urls[0]) if source.urls else FirstAnswer(None, "")
    items = _unique(crawl.items)
    read, tried = _read_articles(source, get, items, crawl.article_urls, articles)
    if fetch_every_article:
        _fetch_rest(get, items, crawl.article_urls, articles)
    failed = bool(crawl.failed_urls) and len(crawl.failed_urls) == len(source.urls)
    problem = str(crawl.failed_urls[0]) if crawl.failed_urls else "; ".join(crawl.warnings)
    selector_free = source.kind == "html" and source.selectors is None
    stale = source.kind == "html" and crawl.used_fallback and not selector_free
    return Verdict(
        source_id=source.id,
        status=first.status or _status_of(crawl.failed_urls),
        url=source.urls[0] if source.urls else "",
        final_url=first.final_url,
        selectors=_selectors(source, stale, selector_free, bool(items)),
        items=len(items),
        pages=crawl.pages_fetched,
        dated=sum(1 for item in items if item.published is not None),
        articles_read=read,
        articles_tried=tried,
        verdict=FAILED if failed else EMPTY if not items else STALE if stale else OK,
        problem=problem[:300],
    )


def _selectors(source: SourceConfig, stale: bool, selector_free: bool, found: bool) -> str:
    if source.kind != "html":
        return NOT_HTML
    if selector_free:
        return NONE_CONFIGURED
    if not found:
        return MISSED
    return WITHOUT if stale else HIT


def _unique(items: Sequence[RawItem]) -> list[RawItem]:
    seen: set[str] = set()
    unique = []
    for item in items:
        if url_key(item.url) not in seen:
            seen.add(url_key(item.url))
            unique.append(item)
    return unique


def _read_articles(
    source: SourceConfig,
    get: Callable[[str], Page],
    items: Sequence[RawItem],
    article_urls: set[str],
    limit: int,
) -> tuple[int, int]:
    """(articles whose page was read, articles tried), for the first ``limit`` items."""
    chosen = [item.url for item in items if item.url in article_urls][:limit]
    return sum(1 for url in chosen if _article_reads(source, get, url)), len(chosen)


def _article_reads(source: SourceConfig, get: Callable[[str], Page], url: str) -> bool:
    try:
        parser_for(source).parse_article(source, get(url))
    except Exception:  # one article's failure, whatever raised it, is only counted
        return False
    return True


def _fetch_rest(
    get: Callable[[str], Page], items: Sequence[RawItem], article_urls: set[str], skip: int
) -> None:
    for url in [item.url for item in items if item.url in article_urls][skip:]:
        try:
            get(url)
        except AggregatorError:
            continue  # recorded as a failed answer; it does not change the verdict


def _status_of(errors: Sequence[AggregatorError]) -> int | None:
    for error in errors:
        if isinstance(error, FetchError) and error.status:
            return error.status
    return None
