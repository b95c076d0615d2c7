"""Choose one subscriber's digest items and render the digest email. Pure: no I/O.

Choosing: a story belongs in a subscriber's digest when it matches their preferences (tags of
one kind OR-ed, kinds AND-ed, as :class:`~aggregator.store.queries.ItemFilter` does), was first
seen since the subscriber's window start, and was never delivered to them before.

Grouping: each story appears once. When the subscriber chose audiences, the headings are those
audiences, else their topics; a story goes under the first heading it carries, in taxonomy
order. Grant calls whose application period (hakuaika) ends within 14 days come first, in a
"closing soon" section, soonest deadline first. One email shows at most :data:`MAX_STORIES`;
the rest are counted, left undelivered, and lead the next digest if still new. Strings are in
the subscriber's language and times in Europe/Helsinki (the shared ``date``/``datetime``
template filters).

Rendering: each story is rendered once per language and run (:class:`StoryFragments`); a
digest's templates then only join blocks, which is what makes 10,000 digests a run affordable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from markupsafe import Markup

from aggregator.display import format_date, format_datetime
from aggregator.grants.lifecycle import days_left
from aggregator.i18n import gettext, ngettext
from aggregator.publish.message import Envelope, Rendered, Sender, build_message
from aggregator.publish.tokens import SubscriberLinks
from aggregator.store.grants import fields_of
from aggregator.store.queries import GrantView, StoryView
from aggregator.store.subscribers import Frequency, Preferences, SubscriberView
from aggregator.templating import render

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
    return chosen_any and all(not chosen or set(chosen) & set(has) for chosen, has in checks)


class StoryPool:
    """Candidate stories indexed by tag and source, so choosing for 10,000 subscribers is set
    arithmetic instead of 10,000 scans. Equivalent to filtering with :func:`wants`."""

    def __init__(self, stories: Iterable[StoryView]) -> None:
        self.stories: tuple[StoryView, ...] = tuple(sorted(stories, key=_newest_first))
        self._all = frozenset(story.id for story in self.stories)
        self._by_key: dict[str, set[int]] = {}
        for story in self.stories:
            keys = [*story.audiences, *story.topics]
            keys += [f"source:{source}" for source in story.source_ids]
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


# --- rendering --------------------------------------------------------------------------------


def subject(digest: Digest) -> str:
    language = digest.subscriber.language
    count = len(digest.stories)
    if digest.subscriber.preferences.frequency is Frequency.DAILY:
        return ngettext(
            language,
            "Your daily integration news: %(num)d new item",
            "Your daily integration news: %(num)d new items",
            count,
        )
    return ngettext(
        language,
        "Your weekly integration news: %(num)d new item",
        "Your weekly integration news: %(num)d new items",
        count,
    )


def heading(digest: Digest) -> str:
    language = digest.subscriber.language
    if digest.subscriber.preferences.frequency is Frequency.DAILY:
        return gettext(language, "Your daily integration news")
    return gettext(language, "Your weekly integration news")


class StoryFragments:
    """Each story rendered once per language: it looks the same in every digest of that
    language, so 10,000 digests of 500 stories cost 1,500 story renders, not 500,000.
    Make one per run (stories may change between runs)."""

    def __init__(self, tags: Mapping[str, TagInfo], now: datetime) -> None:
        self.tags = tags
        self.now = now  # for "days left": one run renders within one day
        self._html: dict[tuple[int, str], Markup] = {}
        self._text: dict[tuple[int, str], str] = {}

    def html(self, story: StoryView, language: str) -> Markup:
        key = (story.id, language)
        if key not in self._html:
            rendered = render("email/_story.html", language, **self._context(story, language))
            self._html[key] = Markup(rendered)  # noqa: S704 - autoescaped template output
        return self._html[key]

    def text(self, story: StoryView, language: str) -> str:
        key = (story.id, language)
        if key not in self._text:
            self._text[key] = render("email/_story.txt", language, **self._context(story, language))
        return self._text[key]

    def label(self, tag_id: str, language: str) -> str:
        tag = self.tags.get(tag_id)
        return tag.label(language) if tag is not None else tag_id

    def _context(self, story: StoryView, language: str) -> dict[str, object]:
        return {
            "story": story,
            "url": safe_link(story.url),
            "topics": [self.label(tag_id, language) for tag_id in story.topics],
            "deadline": deadline_text(story.grant, language) if story.grant else "",
            "days_left": _days_left(story.grant, self.now),
            "deadline_passed": bool(
                story.grant and story.grant.closes_at and story.grant.closes_at < self.now
            ),
            "deadline_changed": bool(story.grant and story.grant.deadline_changed_at),
        }


@dataclass(frozen=True, slots=True)
class RenderedSection:
    """One heading's stories, already rendered: the templates print blocks, not stories."""

    heading: str
    html: Markup
    text: str


def render_digest(
    digest: Digest, fragments: StoryFragments, links: SubscriberLinks, base_url: str
) -> Rendered:
    """Subject, HTML and text of ``digest`` in the subscriber's language."""
    language = digest.subscriber.language
    context = {
        "digest": digest,
        "heading": heading(digest),
        "count": len(digest.stories),
        "links": links,
        "base_url": base_url.rstrip("/"),
        "closing": _section("", digest.closing_soon, fragments, language),
        "sections": [
            _section(
                fragments.label(s.tag_id, language) if s.tag_id else "",
                s.stories,
                fragments,
                language,
            )
            for s in digest.sections
        ],
    }
    return Rendered(
        subject=subject(digest),
        html=render("email/digest.html", language, **context),
        text=render("email/digest.txt", language, **context),
    )


def _section(
    title: str, stories: Sequence[StoryView], fragments: StoryFragments, language: str
) -> RenderedSection:
    html = Markup("").join(fragments.html(story, language) + "\n" for story in stories)
    text = "".join(fragments.text(story, language) + "\n" for story in stories)
    return RenderedSection(title, html, text)


def safe_link(url: str) -> str:
    """``url`` when it is an http(s) address, else "" (a scraped link is never trusted)."""
    return url if urlsplit(url).scheme in ("http", "https") else ""


def _days_left(call: GrantView | None, now: datetime) -> int | None:
    """Whole Helsinki days until the deadline (0 = closes today), None without one or past it."""
    if call is None or call.closes_at is None:
        return None
    left = days_left(fields_of(call), now)
    return left if left is not None and left >= 0 else None


def deadline_text(call: GrantView, language: str) -> str:
    """The end of the application period in Helsinki time; date only when no time was given."""
    if call.closes_at is None:
        return ""
    if call.closes_has_time:
        return format_datetime(call.closes_at, language)
    return format_date(call.closes_at, language)


def digest_message(
    digest: Digest,
    fragments: StoryFragments,
    links: SubscriberLinks,
    *,
    sender: Sender,
    base_url: str,
    message_id: str,
    now: datetime,
) -> EmailMessage:
    """The complete email for ``digest``, ready for the mailer."""
    rendered = render_digest(digest, fragments, links, base_url)
    envelope = Envelope(to=digest.subscriber.email, message_id=message_id, date=now)
    return build_message(sender, envelope, rendered, links)
