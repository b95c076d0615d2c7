"""The decide step compares a new item only with the stories that can be its language version
(the publisher names them, or they are released near it, lack its language and share a release
term with it). Here, on the real headlines of ``headlines_dev2.jsonl`` (fi, sv and en versions
of 22 releases among 200 items, many undated), every decision equals the one a comparison with
every story the plan knows gives, in several orders, stored or new, with dates spread or packed
into a few days."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from aggregator.normalize.batch import (
    BatchPlan,
    Known,
    KnownStory,
    StoryText,
    _near_days,
    _version,
    release_day,
    release_lookup_keys,
)
from aggregator.normalize.dedupe import Decision, Outcome, StoredStory
from aggregator.normalize.item import normalize_item
from aggregator.normalize.releases import best_story
from aggregator.types import Item, RawItem

HEADLINES = Path(__file__).resolve().parents[1] / "data" / "shared" / "headlines_dev2.jsonl"


class EveryStory(BatchPlan):
    """The reference: each new item is compared with every story known so far (those dated
    outside the window excepted, as the matcher rules them out)."""

    def _release_of(self, item: Item) -> Decision | None:
        version = _version(_text_of_item(item), item.published, item.alternates)
        said = {story.item_id for story in self.candidates(release_lookup_keys(item))}
        day = release_day(item.published)
        stories = {
            item_id: self._release_versions(item_id)
            for item_id, story in self._stories.items()
            if item_id in said or _near_days(day, release_day(story.published))
        }
        found = best_story(version, stories)
        if found is None:
            return None
        story_id, evidence = found
        return Decision(Outcome.LANGUAGE_VERSION, story_id, "; ".join(evidence.reasons))


def _text_of_item(item: Item) -> StoryText:
    return StoryText(
        item.title, item.summary, item.body_text, item.language, item.source_id, item.canonical_url
    )


def _rows() -> list[dict[str, str]]:
    with HEADLINES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _items(dates: str) -> list[Item]:
    """The headlines as items: with their own ``dates`` ("real"), every dated one moved into
    six days of 2026 ("six-days"), or the first of each release group left undated."""
    items, heads = [], set()
    for number, row in enumerate(_rows()):
        published = None
        group = row.get("release_group")
        head = dates == "group-heads-undated" and group and group not in heads
        heads.add(group)
        if row.get("date") and not head:
            day = date.fromisoformat(row["date"])
            if dates == "six-days":
                day = date(2026, 3, 1) + timedelta(days=day.toordinal() % 6)
            published = datetime.combine(day, time(7, number % 60), tzinfo=UTC)
        raw = RawItem(
            source_id=row["source"][:40],
            url=row["url"],
            title=row["title"],
            summary=row.get("summary", ""),
            language=row["language"],
            published=published,
        )
        items.append(normalize_item(raw))
    return items


def _known(items: list[Item]) -> Known:
    stories = {}
    for item_id, stored in enumerate(items, start=1):
        stories[item_id] = KnownStory(
            story=StoredStory(
                item_id,
                frozenset(stored.story_keys),
                stored.language,
                stored.published,
                stored.content_hash,
                stored.source_id,
                stored.story_keys[0],
            ),
            text=_text_of_item(stored),
            current={},
            sources=(stored.source_id,),
        )
    return Known(stories=stories)


def _decisions(plan: BatchPlan, items: list[Item]) -> list[tuple[Outcome, int | None, str]]:
    return [(d.outcome, d.item_id, d.reason) for d in map(plan.add, items)]


@pytest.mark.parametrize("dates", ["real", "six-days", "group-heads-undated"])
@pytest.mark.parametrize("seed", [None, 1, "undated-first"])
@pytest.mark.parametrize("stored_share", [0.0, 0.5])
def test_the_candidates_give_the_answer_of_comparing_every_story(
    dates: str, seed: int | str | None, stored_share: float
) -> None:
    items = _items(dates)
    if seed == "undated-first":
        items.sort(key=lambda item: item.published is not None)
    elif seed is not None:
        random.Random(seed).shuffle(items)
    split = int(len(items) * stored_share)
    stored, crawl = items[:split], items[split:]
    ours = _decisions(BatchPlan(_known(stored)), crawl)
    reference = _decisions(EveryStory(_known(stored)), crawl)
    assert ours == reference
    versions = sum(outcome is Outcome.LANGUAGE_VERSION for outcome, _, _ in ours)
    assert versions >= 5  # the comparison is not empty: real versions were joined


def test_a_crawl_in_one_language_reads_no_anchors() -> None:
    finnish = [item for item in _items("six-days") if item.language == "fi"]
    plan = BatchPlan(Known())
    assert all(plan.add(item).outcome is Outcome.NEW for item in finnish)
    assert plan._terms == {} and plan._release == {}
