"""Scores :func:`aggregator.sources.listing.discover` on the recorded list pages.

Each page in ``tests/fixtures/listing/{dev,sealed}/`` has ``<name>.expected.json``, written
with the page: its URL, the items of its news list (title, url, date or null) and its next
page (or null). A found item matches an expected one by title or by URL; then

- items precision = matched / found, recall = matched / expected (over all pages);
- dates right = matched items whose day equals the expected one (null = no date);
- links right = matched items whose URL equals the expected one;
- next page right = pages whose found next page equals the expected one (null included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.sources.listing import discover

FIXTURES = Path(__file__).parent.parent / "fixtures" / "listing"


@dataclass
class Score:
    pages: int = 0
    found: int = 0
    expected: int = 0
    matched: int = 0
    dates_right: int = 0
    links_right: int = 0
    next_expected: int = 0
    next_right: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 0.0

    @property
    def dates(self) -> float:
        return self.dates_right / self.matched if self.matched else 0.0

    @property
    def links(self) -> float:
        return self.links_right / self.matched if self.matched else 0.0

    @property
    def next_pages(self) -> float:
        return self.next_right / self.pages if self.pages else 0.0

    def summary(self, name: str) -> str:
        return (
            f"{name}: {self.pages} pages, {self.expected} items expected, {self.found} found; "
            f"items P {self.precision:.3f} R {self.recall:.3f}; dates {self.dates:.3f}; "
            f"links {self.links:.3f}; next page {self.next_right}/{self.pages} right "
            f"({self.next_expected} pages have one)"
        )


def pages(half: str) -> list[Path]:
    return sorted((FIXTURES / half).glob("*.html"))


def score_page(path: Path, score: Score) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    found = discover(path.read_bytes(), expected["url"])
    best = found.best
    items = list(best.items) if best else []
    score.pages += 1
    score.found += len(items)
    score.expected += len(expected["items"])
    by_title = {_norm(i.title): i for i in items}
    by_url = {i.url: i for i in items}
    for want in expected["items"]:
        got = by_title.get(_norm(want["title"])) or by_url.get(want["url"])
        if got is None:
            score.misses.append(f"{path.name}: missed {want['title'][:60]}")
            continue
        score.matched += 1
        day = got.published.day.isoformat() if got.published else None
        score.dates_right += day == want["date"]
        score.links_right += got.url == want["url"]
        if day != want["date"]:
            score.misses.append(f"{path.name}: date {day} != {want['date']} ({want['title'][:40]})")
        if got.url != want["url"]:
            score.misses.append(f"{path.name}: link {got.url} != {want['url']}")
    wanted = {_norm(w["title"]) for w in expected["items"]} | {w["url"] for w in expected["items"]}
    for item in items:
        if _norm(item.title) not in wanted and item.url not in wanted:
            score.misses.append(f"{path.name}: extra {item.title[:60]} {item.url}")
    next_url = best.next_page_url if best else None
    score.next_expected += expected["next_page"] is not None
    score.next_right += next_url == expected["next_page"]
    if next_url != expected["next_page"]:
        score.misses.append(f"{path.name}: next {next_url} != {expected['next_page']}")
    for feed in expected.get("feeds", []):
        if feed not in [f.url for f in found.feeds]:
            score.misses.append(f"{path.name}: feed {feed} not found")


def score_half(half: str) -> Score:
    score = Score()
    for path in pages(half):
        score_page(path, score)
    return score


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()
