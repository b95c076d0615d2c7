"""Decide a whole crawl against the stories the store knows, in memory, with no database.

The store loads the :class:`Known` stories (every stored story sharing a key with an item of the
crawl, with all its keys, its text and the sources that carry it, and the crawl's existing
sightings); :class:`BatchPlan` then runs :func:`~aggregator.normalize.dedupe.decide` for each
item in order and keeps its view current, so the result is exactly what deciding and storing
the items one by one gives: a story listed twice in one crawl (by another list of the same site)
is recognised, a story new in this crawl ranks after every stored one (as its id will), keys a
sighting adds are seen by the items after it. The plan says what to write; the store writes it
(:func:`aggregator.store.batch.write_plan`), giving the new stories their ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.normalize.dedupe import Decision, Outcome, StoredStory, bounded_key, decide
from aggregator.normalize.releases import DATE_WINDOW, Version, best_story
from aggregator.normalize.urls import url_key
from aggregator.types import Item

# Stories new in a crawl get ids from here until they are stored: above every real id, in the
# order they were seen, so they sort where their real ids will.
PENDING_IDS = 1 << 62
TAGGED_OUTCOMES = frozenset(
    {Outcome.NEW, Outcome.UPDATED, Outcome.ALSO_SEEN, Outcome.LANGUAGE_VERSION}
)
# A story's key for each other-language URL its publisher names (hreflang): the version that
# arrives later under that URL finds the story by it.
ALTERNATE_PREFIX = "alt:"
RELEASE_WINDOW = DATE_WINDOW
_WINDOW_OFFSETS = tuple(
    timedelta(days=offset) for offset in range(-RELEASE_WINDOW.days, RELEASE_WINDOW.days + 1)
)
HELSINKI = ZoneInfo("Europe/Helsinki")
CALL_OUTCOMES = frozenset({Outcome.NEW, Outcome.UPDATED})


@dataclass(frozen=True, slots=True)
class StoryText:
    """The text a story is tagged on, as stored (or as this crawl leaves it)."""

    title: str
    summary: str
    body_text: str
    language: str
    source_id: str  # the primary source
    url: str = ""
    list_name: str = ""  # of the list it was first seen in
    published: datetime | None = None  # a language version's own release time


@dataclass(frozen=True, slots=True)
class KnownStory:
    """A stored story as the store loaded it: what deciding, editing and tagging need."""

    story: StoredStory
    text: StoryText
    current: Mapping[str, Any]  # the columns an edit reads: kind, first_seen_at, grant, edits
    sources: tuple[str, ...]  # every source that carries it, in the order they first did


@dataclass(frozen=True)
class Known:
    """What the store knows that a crawl can meet."""

    stories: Mapping[int, KnownStory] = field(default_factory=dict)
    sightings: Mapping[tuple[str, str], int] = field(default_factory=dict)  # -> sighting id
    # The other language versions of those stories (the story's own text is its first).
    versions: Mapping[int, Sequence[StoryText]] = field(default_factory=dict)


def alternate_key(url: str) -> str:
    """The key a story keeps for a URL its publisher names as another language of it."""
    return bounded_key(f"{ALTERNATE_PREFIX}{url_key(url)}")


def release_lookup_keys(item: Item) -> tuple[str, ...]:
    """Keys of stored stories ``item`` may be a language version of, by what the publishers
    say: a story naming ``item``'s URL as its alternate, or a story at one of ``item``'s
    alternates."""
    return (
        alternate_key(item.canonical_url),
        *(bounded_key(f"url:{url_key(url)}") for url in item.alternates),
    )


def release_day(moment: datetime | None) -> Any:
    """The release date of a story (Europe/Helsinki), as the matcher compares them."""
    return moment.astimezone(HELSINKI).date() if moment is not None else None


@dataclass(frozen=True, slots=True)
class Planned:
    """One item of the crawl: its story's id (pending for a new story), the decision, and
    whether its (source, URL) sighting is new."""

    item: Item
    item_id: int
    decision: Decision
    new_sighting: bool


class BatchPlan:
    """The decisions for a crawl's items, made in order against :class:`Known`."""

    def __init__(self, known: Known) -> None:
        self._stories: dict[int, StoredStory] = {}
        self._by_key: dict[str, set[int]] = defaultdict(set)
        # Stories by release day (None: undated); a story edited to another day is in both.
        self._by_day: defaultdict[date | None, set[int]] = defaultdict(set)
        self._day: dict[int, date | None] = {}
        self.texts: dict[int, StoryText] = {}
        self.current: dict[int, Mapping[str, Any]] = {}
        self.sources: dict[int, list[str]] = {}
        for item_id, stored in known.stories.items():
            self._remember(stored.story)
            self.texts[item_id] = stored.text
            self.current[item_id] = stored.current
            self.sources[item_id] = list(stored.sources)
        self._sightings: dict[tuple[str, str], int | None] = dict(known.sightings)
        # Other-language versions per story, and what the release matcher reads of each.
        self.versions: dict[int, list[StoryText]] = {
            item_id: list(texts) for item_id, texts in known.versions.items()
        }
        self._release: dict[int, list[Version]] = {}
        self._terms: dict[int, set[str]] = {}
        self.new_versions: list[tuple[int, Item]] = []  # (story id, the version)
        self.version_edits: list[tuple[int, Item]] = []  # (story id, its edited version)
        self.new_stories: list[Item] = []  # in pending-id order
        self.edits: list[tuple[int, Item]] = []  # in order, stored or pending ids
        self.new_keys: list[tuple[int, str]] = []
        self.new_sightings: list[tuple[int, Item]] = []
        self.touched_sightings: list[int] = []
        self.planned: list[Planned] = []

    def _remember(self, story: StoredStory) -> None:
        self._stories[story.item_id] = story
        for key in story.keys:
            self._by_key[key].add(story.item_id)
        self._place(story)

    def _place(self, story: StoredStory) -> None:
        day = release_day(story.published)
        self._day[story.item_id] = day
        self._by_day[day].add(story.item_id)

    def candidates(self, keys: Sequence[str]) -> list[StoredStory]:
        """Stories (stored or new in this crawl) sharing any of ``keys``, with all their keys."""
        ids = {item_id for key in keys for item_id in self._by_key.get(key, ())}
        return [self._stories[item_id] for item_id in sorted(ids)]

    def add(self, item: Item) -> Decision:
        """Decide what ``item`` is, against the stories known and added so far."""
        decision = decide(
            keys=item.story_keys,
            language=item.language,
            published=item.published,
            content=item.content_hash,
            source_id=item.source_id,
            candidates=self.candidates(item.story_keys),
        )
        if decision.outcome is Outcome.NEW:
            found = self._release_of(item)
            if found is not None:
                decision = found
        if decision.outcome is Outcome.NEW:
            item_id = self._new_story(item)
        elif decision.outcome is Outcome.LANGUAGE_VERSION:
            assert decision.item_id is not None
            item_id = decision.item_id
            self._add_version(item_id, item)
            self._add_keys(item_id, [item.story_keys[0], *map(alternate_key, item.alternates)])
        else:
            assert decision.item_id is not None
            item_id = decision.item_id
            if decision.outcome is Outcome.UPDATED:
                self._edit(item_id, item)
            elif decision.outcome is Outcome.ALSO_SEEN:
                self._edit_version(item_id, item)
            self._add_keys(item_id, item.story_keys)
        new_sighting = self._sighting(item_id, item)
        self.planned.append(Planned(item, item_id, decision, new_sighting))
        return decision

    def _new_story(self, item: Item) -> int:
        """A story for ``item``, with its keys (and one per alternate URL it names) and, when
        its sighting is new, the list it is first seen in (as :meth:`_sighting` then sets)."""
        item_id = PENDING_IDS + len(self.new_stories)
        self.new_stories.append(item)
        first_sighting = (item.source_id, item.story_keys[0]) not in self._sightings
        self.texts[item_id] = _text_of(item, item.list_name if first_sighting else "")
        self.sources[item_id] = []
        keys = list(dict.fromkeys([*item.story_keys, *map(alternate_key, item.alternates)]))
        self._remember(
            StoredStory(
                item_id=item_id,
                keys=frozenset(keys),
                language=item.language,
                published=item.published,
                content_hash=item.content_hash,
                primary_source_id=item.source_id,
                primary_url_key=item.story_keys[0],
            )
        )
        self.new_keys.extend((item_id, key) for key in keys)
        return item_id

    # --- language versions -------------------------------------------------------------------

    def _release_of(self, item: Item) -> Decision | None:
        """The story ``item`` is another language version of, if the publisher or the texts
        say so (:func:`aggregator.normalize.releases.best_story`).

        Only stories that can score are compared: those the publisher names (by key), and those
        released near it (by day, :meth:`_near`) with no version in its language that share a
        non-year anchor or a language-neutral address with it (:func:`_release_terms`). Any
        other story scores 0 against it in :func:`~aggregator.normalize.releases.compare` or is
        passed over by :func:`~aggregator.normalize.releases.best_story`, so the answer is the
        one a comparison with every story would give, without a crawl's cost growing with the
        square of its size; a crawl in one language reads no anchors at all.
        """
        said = {story.item_id for story in self.candidates(release_lookup_keys(item))}
        day = release_day(item.published)
        near = self._near(day, item.language) - said
        if not said and not near:
            return None
        version = _version(_text_of(item), item.published, item.alternates)
        stories = {item_id: self._release_versions(item_id) for item_id in said}
        if near:
            terms = _release_terms(version)
            for item_id in near:
                if not terms.isdisjoint(self._story_terms(item_id)):
                    stories[item_id] = self._release_versions(item_id)
        found = best_story(version, stories)
        if found is None:
            return None
        story_id, evidence = found
        return Decision(Outcome.LANGUAGE_VERSION, story_id, "; ".join(evidence.reasons))

    def _near(self, day: date | None, language: str) -> set[int]:
        """Stories released within :data:`RELEASE_WINDOW` of ``day`` (every one when it is
        None; undated ones always) that have no version in ``language``."""
        if day is None:
            pools: list[Iterable[int]] = [self._stories]
        else:
            pools = [self._by_day.get(None, ())]
            pools.extend(self._by_day.get(day + offset, ()) for offset in _WINDOW_OFFSETS)
        texts, days = self.texts, self._day
        # A story's own language is checked first: in a crawl in one language every story has
        # it, and that is all this costs per story nearby.
        return {
            item_id
            for pool in pools
            for item_id in pool
            if texts[item_id].language != language
            and not self._has_language(item_id, language)
            and _near_days(day, days[item_id])
        }

    def _has_language(self, item_id: int, language: str) -> bool:
        """Whether any text of the story (see :meth:`texts_of`) is in ``language``."""
        if self.texts[item_id].language == language:
            return True
        return any(text.language == language for text in self.versions.get(item_id, ()))

    def _story_terms(self, item_id: int) -> set[str]:
        """The release terms of every text of a story (see :func:`_release_terms`), remembered
        until a text changes. Terms depend on the texts alone, so no cached :class:`Version` is
        made here: those are made when compared, once the story has all its keys."""
        terms = self._terms.get(item_id)
        if terms is None:
            terms = set()
            for text in self.texts_of(item_id):
                terms |= _release_terms(_version(text, None, ()))
            self._terms[item_id] = terms
        return terms

    def _forget_texts(self, item_id: int) -> None:
        """The story's texts changed: the matcher reads them afresh."""
        self._release.pop(item_id, None)
        self._terms.pop(item_id, None)

    def _release_versions(self, item_id: int) -> list[Version]:
        if item_id not in self._release:
            story = self._stories[item_id]
            alternates = tuple(
                f"https://{key.removeprefix(ALTERNATE_PREFIX)}"
                for key in story.keys
                if key.startswith(ALTERNATE_PREFIX)
            )
            self._release[item_id] = [
                _version(self.texts[item_id], story.published, alternates),
                *(_version(text, text.published, ()) for text in self.versions.get(item_id, ())),
            ]
        return self._release[item_id]

    def _add_version(self, item_id: int, item: Item) -> None:
        text = _text_of(item)
        self.versions.setdefault(item_id, []).append(text)
        self._release_versions(item_id).append(_version(text, item.published, item.alternates))
        self._terms.pop(item_id, None)
        self.new_versions.append((item_id, item))

    def _edit_version(self, item_id: int, item: Item) -> None:
        """A language version whose own page changed its title or summary: keep the new text."""
        for index, text in enumerate(self.versions.get(item_id, ())):
            same_page = url_key(text.url) == url_key(item.canonical_url)
            if same_page and (text.title, text.summary) != (item.title, item.summary):
                self.versions[item_id][index] = replace(
                    text, title=item.title, summary=item.summary, body_text=item.body_text
                )
                self._forget_texts(item_id)
                self.version_edits.append((item_id, item))

    def _edit(self, item_id: int, item: Item) -> None:
        self.edits.append((item_id, item))
        text = self.texts[item_id]
        self.texts[item_id] = replace(
            text, title=item.title, summary=item.summary, body_text=item.body_text
        )
        story = self._stories[item_id]
        published = item.published if item.published is not None else story.published
        self._stories[item_id] = replace(story, published=published, content_hash=item.content_hash)
        self._place(self._stories[item_id])
        self._forget_texts(item_id)  # the matcher reads the edited text from now on

    def _add_keys(self, item_id: int, keys: Sequence[str]) -> None:
        story = self._stories[item_id]
        missing = [key for key in dict.fromkeys(keys) if key not in story.keys]
        if not missing:
            return
        self._stories[item_id] = replace(story, keys=story.keys | frozenset(missing))
        for key in missing:
            self._by_key[key].add(item_id)
            self.new_keys.append((item_id, key))

    def _sighting(self, item_id: int, item: Item) -> bool:
        """Touch the (source, URL) sighting; True when there was none."""
        pair = (item.source_id, item.story_keys[0])
        if pair in self._sightings:
            sighting_id = self._sightings[pair]
            if sighting_id is not None:
                self.touched_sightings.append(sighting_id)
            return False
        self._sightings[pair] = None
        self.new_sightings.append((item_id, item))
        text = self.texts[item_id]
        if not self.sources[item_id] and text.list_name != item.list_name:
            # its first sighting: the list it was first seen in
            self.texts[item_id] = replace(text, list_name=item.list_name)
        self.sources[item_id].append(item.source_id)
        return True

    # --- what the later stages take --------------------------------------------------------

    def changed(self) -> list[Planned]:
        """Items whose story is new, edited, or newly carried by a source, in order."""
        return [
            p for p in self.planned if p.decision.outcome is not Outcome.UNCHANGED or p.new_sighting
        ]

    def to_tag(self) -> list[int]:
        """Stories to (re)tag: new, edited, or carried by one more source; each once."""
        return list(
            dict.fromkeys(
                p.item_id for p in self.changed() if p.decision.outcome in TAGGED_OUTCOMES
            )
        )

    def to_extract(self) -> list[Planned]:
        """Items whose own text may announce a grant call: new stories and edits."""
        return [p for p in self.changed() if p.decision.outcome in CALL_OUTCOMES]

    def texts_of(self, item_id: int) -> list[StoryText]:
        """The story's text in every language it has, its own first (tags come from all)."""
        return [self.texts[item_id], *self.versions.get(item_id, ())]

    def sources_of(self, item_id: int) -> list[str]:
        """Every source carrying the story once this crawl is stored (the primary first when
        nothing else is known)."""
        return self.sources.get(item_id) or [self.texts[item_id].source_id]


def _near_days(day: date | None, other: date | None) -> bool:
    """Whether two release days are within :data:`RELEASE_WINDOW` (an unknown one always is)."""
    return day is None or other is None or abs(other - day) <= RELEASE_WINDOW


def _release_terms(version: Version) -> set[str]:
    """What two versions must share to score in the matcher: an anchor that is not a year
    (otherwise :func:`~aggregator.normalize.releases.compare` gives 0), or one address in
    several languages (the publisher saying so)."""
    terms = {f"a:{anchor}" for anchor in version.all_anchors if anchor[0] != "y"}
    terms.add(f"p:{version.neutral_path}")
    return terms


def _version(text: StoryText, published: datetime | None, alternates: tuple[str, ...]) -> Version:
    return Version(
        text.language,
        text.title,
        f"{text.summary}\n{text.body_text}",
        text.url,
        release_day(published),
        alternates,
    )


def _text_of(item: Item, list_name: str = "") -> StoryText:
    return StoryText(
        item.title,
        item.summary,
        item.body_text,
        item.language,
        item.source_id,
        item.canonical_url,
        list_name,
        item.published,
    )
