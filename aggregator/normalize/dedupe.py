"""Story identity: is a freshly parsed item a new story, one we have, or one edited at its source?

The same story reaches us several ways: the kotoutuminen.fi main list and its audience lists
link the same article; valtioneuvosto.fi republishes tem.fi press releases under the same
Liferay slug; a list may add tracking parameters. Each :class:`~aggregator.types.Item` carries
``story_keys``, strongest first:

``url:<host/path?query>``      the canonical URL (scheme and ``www.`` ignored)
``slug:<lang>:<slug>``         a Liferay article slug (long enough to be specific)
``title:<lang>:<words>``       the title folded to lower-case words

A key longer than the store's column (a 3,000-character URL) keeps its start and ends in a hash
of the whole (:func:`bounded_key`), so it still identifies exactly one page or title.

:func:`decide` is the whole decision, a pure function over the item and the stored stories that
share one of its keys. A URL match is certain; a slug or title match also needs the same
language and publication dates close together, because short slugs and generic titles recur.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aggregator.normalize.urls import liferay_slug, path_language, url_key

MAX_KEY_CHARS = 512  # the story-key column's width
MIN_SLUG_LENGTH = 16
MIN_TITLE_WORDS = 4
SLUG_WINDOW = timedelta(days=7)
TITLE_WINDOW = timedelta(days=3)

_WORD = re.compile(r"\w+", re.UNICODE)


class Outcome(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    UPDATED = "updated"
    ALSO_SEEN = "also-seen"
    """Same story, carried by another source or list: add a sighting, keep the content."""
    LANGUAGE_VERSION = "language-version"
    """The same release in another language (:mod:`.releases`): a version of the story."""


@dataclass(frozen=True, slots=True)
class StoredStory:
    """What the store knows of a candidate story, enough to decide."""

    item_id: int
    keys: frozenset[str]
    language: str
    published: datetime | None
    content_hash: str
    primary_source_id: str
    primary_url_key: str


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    item_id: int | None = None
    reason: str = ""


def title_words(title: str) -> str:
    """A title folded for comparison: lower case, accents kept (ä is not a), punctuation gone."""
    folded = unicodedata.normalize("NFC", title).casefold()
    return " ".join(_WORD.findall(folded))


def bounded_key(key: str, limit: int = MAX_KEY_CHARS) -> str:
    """``key`` if it fits in ``limit`` characters, else its start plus a hash of the whole:
    still one key per distinct value, and short enough for its column."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{key[: limit - len(digest) - 1]}#{digest}"


def url_story_key(url: str) -> str:
    """The ``url:`` key of a page, as :func:`story_keys` gives it first."""
    return bounded_key(f"url:{url_key(url)}")


def story_keys(url: str, title: str, language: str) -> tuple[str, ...]:
    """The identities a story is stored under, strongest first."""
    keys = [url_story_key(url)]
    slug = liferay_slug(url)
    lang = path_language(url) or language
    if slug and len(slug) >= MIN_SLUG_LENGTH and "-" in slug:
        keys.append(bounded_key(f"slug:{lang}:{slug}"))
    words = title_words(title)
    if len(words.split()) >= MIN_TITLE_WORDS:
        keys.append(bounded_key(f"title:{language}:{words}"))
    return tuple(keys)


def content_hash(title: str, summary: str, body_text: str) -> str:
    """Changes exactly when the visible text of a story changes."""
    digest = hashlib.sha256()
    for part in (title, summary, body_text):
        digest.update(" ".join(part.split()).encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _close(a: datetime | None, b: datetime | None, window: timedelta) -> bool:
    return a is None or b is None or abs(a - b) <= window


def _match(
    keys: Sequence[str], language: str, published: datetime | None, story: StoredStory
) -> str | None:
    shared = [key for key in keys if key in story.keys]
    if any(key.startswith("url:") for key in shared):
        return "same URL"
    if story.language != language:
        return None
    if any(k.startswith("slug:") for k in shared) and _close(
        published, story.published, SLUG_WINDOW
    ):
        return "same article slug"
    if any(k.startswith("title:") for k in shared) and _close(
        published, story.published, TITLE_WINDOW
    ):
        return "same title and date"
    return None


def decide(
    *,
    keys: Sequence[str],
    language: str,
    published: datetime | None,
    content: str,
    source_id: str,
    candidates: Sequence[StoredStory],
) -> Decision:
    """New story, or which stored story this is and whether its text changed.

    Only the sighting that first brought a story (its primary source and URL) may change the
    stored text: a republished copy elsewhere is a sighting, not an edit.
    """
    for story in sorted(candidates, key=lambda s: s.item_id):
        reason = _match(keys, language, published, story)
        if reason is None:
            continue
        is_primary = story.primary_source_id == source_id and story.primary_url_key == keys[0]
        if not is_primary:
            return Decision(Outcome.ALSO_SEEN, story.item_id, reason)
        if story.content_hash == content:
            return Decision(Outcome.UNCHANGED, story.item_id, reason)
        return Decision(Outcome.UPDATED, story.item_id, reason)
    return Decision(Outcome.NEW)
