"""Which stories one subscriber's digest holds, and in which sections. Pure: no I/O.

Choosing: a story belongs in a subscriber's digest when it matches their preferences (tags of
one kind OR-ed, kinds AND-ed, as :class:`~aggregator.store.queries.ItemFilter` does), was first
seen since the subscriber's window start, and was never delivered to them before. A grant call
that had closed when it was first seen is no news (``StoryView.is_news``) and is never chosen.

Grouping: each story appears once. When the subscriber chose audiences, the headings are those
audiences, else their topics; a story goes under the first heading it carries, in taxonomy
order. Grant calls whose application period (hakuaika) ends within 14 days come first, in a
"closing soon" section, soonest deadline first. One email shows at most :data:`MAX_STORIES`;
the rest are counted, left undelivered, and lead the next digest if still new.

:mod:`aggregator.publish.compose` loads the candidates and calls these; the email itself is
rendered by :mod:`aggregator.publish.render.digest`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aggregator.store.queries import StoryView
from aggregator.store.subscribers import Frequency, Preferences, SubscriberView

CLOSING_SOON = timedelta(days=14)
# How far back a digest looks for stories first seen: a little more than one period, so a
# late or failed run loses nothing (delivered_item prevents repeats).
LOOKBACK: dict[Frequency, timedelta] = {
    Frequency.DAILY: timedelta(days=2),
    Frequency.WEEKLY: timedelta(days=8),
}
# Never look further back than this, however long ago the last digest went out.
MAX_WINDOW = timedelta(days=31)
# Most stories one email shows. The rest are counted with a link to the website and, not
# being recorded as delivered, stay candidates for the next digest.
MAX_STORIES = 50
OTHER = ""


@dataclass(frozen=True, slots=True)
class TagInfo:
    """An audience or topic as the digest shows it: its label per language and its order."""

    id: str
    kind: str
    position: int
    labels: Mapping[str, str]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("fi") or self.id


@dataclass(frozen=True, slots=True)
class DigestSection:
    tag_id: str
    stories: tuple[StoryView, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """What one subscriber gets for one period."""

    subscriber: SubscriberView
    closing_soon: tuple[StoryView, ...]
    sections: tuple[DigestSection, ...]
    more: int = 0  # chosen stories left out to keep the email readable
    composed_at: datetime | None = None  # stories first seen later were not considered

    @property
    def stories(self) -> tuple[StoryView, ...]:
        grouped = (story for section in self.sections for story in section.stories)
        return (*self.closing_soon, *grouped)

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(story.id for story in self.stories)

    @property
    def is_empty(self) -> bool:
        return not self.closing_soon and not self.sections


# --- choosing ---------------------------------------------------------------------------------


def window_start(
    subscriber: SubscriberView, now: datetime, last_sent_at: datetime | None
) -> datetime:
    """The earliest first-seen time of stories this digest considers.

    At least the lookback (``now - LOOKBACK``), stretched back to when the last sent digest was
    composed, or to the confirmation when none was ever sent, so stories of a failed or crashed
    run are never lost; never past ``MAX_WINDOW``. A first digest reaches back one lookback
    before the confirmation, so someone who subscribes on a Sunday gets that week's news in
    Monday's weekly digest, not an empty one.
    """
    lookback = LOOKBACK[subscriber.preferences.frequency]
    start = now - lookback
    anchor = last_sent_at or subscriber.confirmed_at
    if anchor is not None:
        start = min(start, anchor)
    start = max(start, now - MAX_WINDOW)
    confirmed = subscriber.confirmed_at
    return max(start, confirmed - lookback) if confirmed is not None else start


def wants(story: StoryView, preferences: Preferences) -> bool:
    """Does ``story`` match ``preferences``? An empty choice of one kind does not filter."""
    checks = (
        (preferences.audiences, story.audiences),
        (preferences.topics, story.topics),
        (preferences.sources, story.source_ids),
    )
    chosen_any = any(chosen for chosen, _ in checks)
    return (
        chosen_any
        and all(not chosen or set(chosen) & set(has) for chosen, has in checks)
        and in_languages(story, preferences.languages)
    )


def in_languages(story: StoryView, languages: Sequence[str]) -> bool:
    """Has ``story`` a version in one of ``languages``? (Any story, when none are chosen.)"""
    return not languages or any(v.language in languages for v in story.all_versions)


class StoryPool:
    """Candidate stories indexed by tag and source, so choosing for 10,000 subscribers is set
    arithmetic instead of 10,000 scans. Equivalent to filtering with :func:`wants`."""

    def __init__(self, stories: Iterable[StoryView]) -> None:
        news = (story for story in stories if story.is_news)
        self.stories: tuple[StoryView, ...] = tuple(sorted(news, key=_newest_first))
        self._all = frozenset(story.id for story in self.stories)
        self._by_key: dict[str, set[int]] = {}
        for story in self.stories:
            keys = [*story.audiences, *story.topics]
            keys += [f"source:{source}" for source in story.source_ids]
            keys += [f"language:{version.language}" for version in story.all_versions]
            for key in keys:
                self._by_key.setdefault(key, set()).add(story.id)

    def __len__(self) -> int:
        return len(self.stories)

    def choose(
        self, preferences: Preferences, *, since: datetime, delivered: set[int]
    ) -> list[StoryView]:
        """The stories one digest may hold, newest first."""
        wanted = self._matching(preferences) - delivered
        return [s for s in self.stories if s.id in wanted and s.first_seen_at >= since]

    def _matching(self, preferences: Preferences) -> set[int]:
        kinds = [
            list(preferences.audiences),
            list(preferences.topics),
            [f"source:{source}" for source in preferences.sources],
        ]
        chosen = [keys for keys in kinds if keys]
        if not chosen:
            return set()
        if preferences.languages:
            chosen.append([f"language:{language}" for language in preferences.languages])
        result = set(self._all)
        for keys in chosen:
            result &= set().union(*(self._by_key.get(key, set()) for key in keys))
        return result


def choose_stories(
    stories: Iterable[StoryView],
    preferences: Preferences,
    *,
    since: datetime,
    delivered: set[int],
) -> list[StoryView]:
    """The stories one digest may hold, newest first (one-off form of :class:`StoryPool`)."""
    return StoryPool(stories).choose(preferences, since=since, delivered=delivered)


def _newest_first(story: StoryView) -> tuple[float, int]:
    return (-story.sort_at.timestamp(), -story.id)


# --- composing --------------------------------------------------------------------------------


def closes_soon(story: StoryView, now: datetime) -> bool:
    """A grant call whose application period ends within :data:`CLOSING_SOON` from ``now``."""
    call = story.grant
    if call is None or call.rolling or call.closes_at is None:
        return False
    return now <= call.closes_at <= now + CLOSING_SOON


def compose(
    subscriber: SubscriberView,
    stories: Sequence[StoryView],
    tags: Mapping[str, TagInfo],
    now: datetime,
) -> Digest:
    """Group already chosen ``stories`` (newest first) for ``subscriber``: calls closing soon
    first, then the newest others, :data:`MAX_STORIES` in all."""
    closing = sorted((story for story in stories if closes_soon(story, now)), key=_deadline_then_id)
    closing = closing[:MAX_STORIES]
    closing_ids = {story.id for story in closing}
    rest = [story for story in stories if story.id not in closing_ids]
    shown = rest[: MAX_STORIES - len(closing)]
    sections = _sections(shown, subscriber.preferences, tags)
    return Digest(subscriber, tuple(closing), sections, len(rest) - len(shown), now)


def _deadline_then_id(story: StoryView) -> tuple[float, int]:
    assert story.grant is not None and story.grant.closes_at is not None
    return (story.grant.closes_at.timestamp(), story.id)


def _sections(
    stories: Sequence[StoryView], preferences: Preferences, tags: Mapping[str, TagInfo]
) -> tuple[DigestSection, ...]:
    groups: dict[str, list[StoryView]] = {}
    for story in stories:
        groups.setdefault(_heading(story, preferences, tags), []).append(story)
    order = sorted(groups, key=lambda tag_id: _position(tag_id, tags))
    return tuple(DigestSection(tag_id, tuple(groups[tag_id])) for tag_id in order)


def _heading(story: StoryView, preferences: Preferences, tags: Mapping[str, TagInfo]) -> str:
    if preferences.audiences:
        candidates = [tag for tag in story.audiences if tag in preferences.audiences]
    else:
        candidates = [tag for tag in story.topics if tag in preferences.topics]
    candidates = candidates or [*story.audiences, *story.topics]
    known = [tag for tag in candidates if tag in tags]
    return min(known, key=lambda tag_id: _position(tag_id, tags)) if known else OTHER


def _position(tag_id: str, tags: Mapping[str, TagInfo]) -> tuple[int, int, str]:
    tag = tags.get(tag_id)
    if tag is None:
        return (2, 0, tag_id)
    return (0 if tag.kind == "audience" else 1, tag.position, tag_id)
