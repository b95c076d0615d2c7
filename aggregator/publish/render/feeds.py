"""Feeds for RSS readers: RSS 2.0, Atom 1.0 and JSON Feed 1.1 rendered from stories, as bytes.

Pure: the web layer and ``aggregator feed export`` load the stories and the catalogue (tag
labels, source publishers) and pass them in with the clock's ``now``, so the same input always
gives the same bytes (golden tests, stable ETags). What the W3C Feed Validation Service and real
readers need is decided here:

* one stable id per story *in each feed* (``urn:uuid:`` derived from the feed's address
  and the story id), marked ``isPermaLink="false"`` in RSS, while the link stays the story's
  address at its publisher. Readers such as newsboat key items by guid across all
  subscriptions, so an id shared by several feeds would show the story in one of them only
  (docs/FEEDS.md); an edit at the source keeps the id and moves ``updated`` on;
* the publisher as ``dc:creator`` in RSS (``author`` must be an email address there), as
  ``author/name`` in Atom and ``authors`` in JSON Feed;
* summaries escaped, built as HTML and sanitised with nh3, typed ``html`` in Atom;
* every link an absolute ASCII URI (RSS allows no IRIs), dates RFC 822 in RSS and RFC 3339 in
  Atom and JSON Feed, an ``atom:link rel="self"`` equal to the address the feed is served at.

A grant call's deadline is in the entry: its date in the title (that changes only when the
deadline does), days left and "deadline changed" in the summary. Days left depend on the day,
so such documents are ``day_dependent`` and caches rebuild them when the Helsinki date changes.

An entry's date is the story's (``StoryView.dated_at``): its publication date, or, when none is
known, when we first saw it. Such an entry says so in its summary ("First seen ...; publication
date not known"), has no ``<published>`` in Atom, and carries ``_story_date: {"kind":
"first_seen"}`` in JSON Feed. Feeds leave out a call that had closed when first seen unless its
publisher dated it (``ItemFilter.news_only``, docs/FEEDS.md).
"""

from __future__ import annotations

import html
import json
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import nh3
from feedgen.feed import FeedGenerator

from aggregator.clock import helsinki_date
from aggregator.display import format_date, format_datetime
from aggregator.i18n import LANGUAGE_NAMES, gettext, ngettext
from aggregator.normalize.dating import FIRST_SEEN, PUBLISHED
from aggregator.publish.render.opml import (
    DEFAULT_LIMIT,
    SITE_NAME,
    Catalogue,
    FeedFormat,
    FeedSpec,
    describe,
)
from aggregator.store.queries import GrantView, StoryView

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
SUMMARY_TAGS = {"p", "a", "strong", "em", "br"}
SUMMARY_FALLBACK_CHARS = 400
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Characters XML 1.0 forbids, and C1 controls (mis-decoded cp1252 the validator flags).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_URI_SAFE = "/?:@&=+$,;%!~*'()-._"
# feedgen formats RFC 822 dates by switching the process locale: one render at a time.
_FEEDGEN_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Category:
    term: str
    label: str
    scheme: str


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One story as every feed format shows it (texts already in the feed's language)."""

    guid: str
    title: str
    link: str
    summary_html: str
    summary_text: str
    published: datetime
    updated: datetime
    author: str
    language: str
    categories: tuple[Category, ...]
    grant: dict[str, Any] | None = None
    day_dependent: bool = False
    date_kind: dict[str, str] | None = None

    @property
    def first_seen_only(self) -> bool:
        return bool(self.date_kind and self.date_kind["kind"] == FIRST_SEEN)


@dataclass(frozen=True, slots=True)
class FeedDocument:
    title: str
    description: str
    language: str
    self_url: str
    home_url: str
    updated: datetime
    entries: tuple[FeedEntry, ...]

    @property
    def day_dependent(self) -> bool:
        """True when the text changes with the date (a grant call's days left)."""
        return any(entry.day_dependent for entry in self.entries)


# --- from stories to entries -------------------------------------------------------------


def build_document(
    spec: FeedSpec,
    fmt: FeedFormat,
    stories: Sequence[StoryView],
    catalogue: Catalogue,
    *,
    base_url: str,
    now: datetime,
    fallback_updated: datetime = EPOCH,
) -> FeedDocument:
    """The feed ``spec`` in format ``fmt`` over ``stories`` (newest first)."""
    title, description = describe(spec, catalogue)
    scope = feed_scope(spec, fmt, base_url)
    entries = tuple(
        build_entry(s, spec.language, catalogue, base_url, now, scope=scope) for s in stories
    )
    updated = max((entry.updated for entry in entries), default=_seconds(fallback_updated))
    return FeedDocument(
        title=clean_text(title),
        description=clean_text(description),
        language=spec.language,
        self_url=to_uri(spec.url(base_url, fmt)),
        home_url=to_uri(f"{base_url.rstrip('/')}/"),
        updated=updated,
        entries=entries,
    )


def build_entry(
    story: StoryView,
    language: str,
    catalogue: Catalogue,
    base_url: str,
    now: datetime,
    *,
    scope: str = "",
) -> FeedEntry:
    story = story.in_language(language)  # the feed's language where the story has it
    note = grant_note(story.grant, language, now) if story.grant else None
    title = clean_text(story.title) or story_link(story, base_url)
    if note and note.title_suffix:
        title = f"{title} ({note.title_suffix})"
    summary = summary_text(story)
    facts = (*(note.facts if note else ()), *date_facts(story, language))
    published = _seconds(story.dated_at)
    return FeedEntry(
        guid=story_guid(scope or base_url, story.id),
        title=title,
        link=story_link(story, base_url),
        summary_html=summary_html(facts, summary, other_languages(story, language)),
        summary_text=" ".join([*facts, summary]).strip() or title,
        published=published,
        updated=entry_updated(story),
        author=publisher(story, catalogue, language),
        language=story.language,
        categories=categories(story, language, catalogue, base_url),
        grant=grant_fields(story.grant) if story.grant else None,
        day_dependent=bool(note and note.day_dependent),
        date_kind=date_kind(story),
    )


def date_kind(story: StoryView) -> dict[str, str]:
    """Which date the entry carries, for JSON Feed readers (a ``_story_date`` extension):
    ``{"kind": "published", "origin": "article"}`` or ``{"kind": "first_seen"}``."""
    if story.first_seen_only:
        return {"kind": FIRST_SEEN}
    return (
        {"kind": PUBLISHED, "origin": story.date_origin}
        if story.date_origin
        else {"kind": PUBLISHED}
    )


def date_facts(story: StoryView, language: str) -> tuple[str, ...]:
    """The line that marks an entry dated by its first sighting, in every format (RSS has no
    element for it): its ``pubDate`` is then when we first saw it, not a publication date."""
    if not story.first_seen_only:
        return ()
    when = format_date(story.first_seen_at, language)
    return (gettext(language, "First seen %(when)s; publication date not known.", when=when),)


def feed_scope(spec: FeedSpec, fmt: FeedFormat, base_url: str) -> str:
    """The address that scopes item ids: the feed's URL without its length limit, so the
    same selection in another format or language is another feed to a reader, while asking
    for more items keeps the ids."""
    return replace(spec, limit=DEFAULT_LIMIT).url(base_url, fmt)


def story_guid(scope: str, story_id: int) -> str:
    """The story's permanent id within the feed ``scope`` (see :func:`feed_scope`): the same
    on every rebuild and after edits at the source, different in every other feed."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{scope.rstrip('/')}/items/{story_id}").urn


def story_link(story: StoryView, base_url: str) -> str:
    """The story at its publisher, as an absolute URI (never a script or relative link)."""
    link = to_uri(story.url)
    if urlsplit(link).scheme in ("http", "https") and urlsplit(link).netloc:
        return link
    return to_uri(f"{base_url.rstrip('/')}/")


def entry_updated(story: StoryView) -> datetime:
    """When the story last changed in a way readers should see: an edit at the source or a
    moved deadline; a story never edited keeps its publication time."""
    moments = [story.dated_at]
    if story.edits:
        moments.append(story.updated_at)
    if story.grant and story.grant.deadline_changed_at:
        moments.append(story.grant.deadline_changed_at)
    return _seconds(max(moments))


def publisher(story: StoryView, catalogue: Catalogue, language: str = "") -> str:
    """Who published the story: its source's publisher named in the feed's language where the
    configuration gives that name, else as stored, else the source's name."""
    translated = catalogue.publishers.get(story.primary_source_id, {}).get(language, "")
    named = translated or clean_text(story.publisher)
    return named or catalogue.sources.get(story.primary_source_id) or SITE_NAME


def categories(
    story: StoryView, language: str, catalogue: Catalogue, base_url: str
) -> tuple[Category, ...]:
    """The story's audiences and topics in taxonomy order, labelled in the feed's language."""
    base = base_url.rstrip("/")
    order = {tag_id: position for position, tag_id in enumerate(catalogue.tags)}
    known = sorted((t.tag_id for t in story.tags if t.tag_id in order), key=order.__getitem__)
    return tuple(
        Category(
            tag_id,
            catalogue.label(tag_id, language),
            f"{base}/feeds/{catalogue.tags[tag_id].kind}/",
        )
        for tag_id in known
    )


def summary_text(story: StoryView) -> str:
    """The story's summary as plain text; without one, the start of its body."""
    text = clean_text(story.summary)
    if text or not story.body_html:
        return text
    body = clean_text(html.unescape(nh3.clean(story.body_html, tags=set())))
    if len(body) <= SUMMARY_FALLBACK_CHARS:
        return body
    return body[:SUMMARY_FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"


def other_languages(story: StoryView, language: str) -> str:
    """Links to the story's versions in other languages, as HTML ("" when it has none)."""
    links = []
    for version in story.other_versions:
        link = to_uri(version.url)
        if urlsplit(link).scheme in ("http", "https"):
            name = LANGUAGE_NAMES.get(version.language, version.language)
            links.append(
                f'<a href="{html.escape(link)}" hreflang="{html.escape(version.language)}">'
                f"{html.escape(name)}</a>"
            )
    if not links:
        return ""
    return f"{html.escape(gettext(language, 'In other languages:'))} {' · '.join(links)}"


def summary_html(facts: Sequence[str], summary: str, languages: str = "") -> str:
    """Grant facts, the summary and the links to the other language versions as sanitised
    HTML paragraphs (text is escaped first)."""
    paragraphs = []
    if facts:
        first, *rest = facts
        paragraphs.append(
            " ".join([f"<strong>{html.escape(first)}</strong>", *map(html.escape, rest)])
        )
    if summary:
        paragraphs.append(html.escape(summary))
    if languages:
        paragraphs.append(languages)
    markup = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return nh3.clean(
        markup,
        tags=SUMMARY_TAGS,
        attributes={"a": {"href", "hreflang"}},
        url_schemes={"http", "https"},
    )


# --- grant calls --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GrantNote:
    title_suffix: str
    facts: tuple[str, ...]
    day_dependent: bool


def grant_note(grant: GrantView, language: str, now: datetime) -> GrantNote:
    """What a reader must know about a call: the deadline, days left, a moved deadline."""
    if grant.rolling:
        return GrantNote(
            gettext(language, "continuous call"),
            (
                gettext(
                    language, "Continuous call: applications are accepted until further notice."
                ),
            ),
            False,
        )
    if grant.closes_at is None:
        return GrantNote("", (), False)
    day = format_date(grant.closes_at, language)
    suffix = gettext(language, "deadline %(date)s", date=day)
    facts = [
        gettext(language, "Deadline: %(when)s.", when=_deadline(grant, language)),
        _days_left(grant.closes_at, language, now),
    ]
    if grant.opens_at is not None and grant.opens_at > now:
        facts.append(
            gettext(language, "Opens %(when)s.", when=format_date(grant.opens_at, language))
        )
    if grant.deadline_changed_at is not None:
        suffix = f"{suffix}, {gettext(language, 'deadline changed')}"
        facts.append(_deadline_changed(grant, language))
    return GrantNote(suffix, tuple(facts), True)


def _deadline(grant: GrantView, language: str) -> str:
    assert grant.closes_at is not None
    if grant.closes_has_time:
        return format_datetime(grant.closes_at, language)
    return format_date(grant.closes_at, language)


def _days_left(closes_at: datetime, language: str, now: datetime) -> str:
    if closes_at <= now:
        return gettext(language, "The call has closed.")
    days = (helsinki_date(closes_at) - helsinki_date(now)).days
    if days == 0:
        return gettext(language, "Closes today.")
    return ngettext(language, "%(num)d day left.", "%(num)d days left.", days)


def _deadline_changed(grant: GrantView, language: str) -> str:
    if grant.previous_closes_at is None:
        return gettext(language, "The deadline has changed.")
    previous = format_date(grant.previous_closes_at, language)
    return gettext(language, "The deadline has changed (previously %(date)s).", date=previous)


def grant_fields(grant: GrantView) -> dict[str, Any]:
    """The call's structured fields for JSON Feed readers (an ``_grant_call`` extension)."""
    return {
        "title": clean_text(grant.title),
        "url": to_uri(grant.url) if grant.url else None,
        "funder": grant.funder,
        "programme": grant.programme,
        "opens_at": _rfc3339(grant.opens_at),
        "closes_at": _rfc3339(grant.closes_at),
        "closes_has_time": grant.closes_has_time,
        "rolling": grant.rolling,
        "deadline_changed_at": _rfc3339(grant.deadline_changed_at),
        "previous_closes_at": _rfc3339(grant.previous_closes_at),
        "amount_eur": grant.amount_eur,
        "apply_url": to_uri(grant.apply_url) if grant.apply_url else None,
    }


# --- rendering ----------------------------------------------------------------------------


def render(document: FeedDocument, fmt: FeedFormat) -> bytes:
    if fmt is FeedFormat.JSON:
        return render_json(document)
    with _FEEDGEN_LOCK:
        generator = _generator(document, fmt)
        if fmt is FeedFormat.RSS:
            return bytes(generator.rss_str(pretty=True))
        return bytes(generator.atom_str(pretty=True))


def _generator(document: FeedDocument, fmt: FeedFormat) -> FeedGenerator:
    generator = FeedGenerator()
    if fmt is FeedFormat.RSS:
        generator.load_extension("dc", atom=False, rss=True)
    generator.id(document.self_url)
    generator.title(document.title)
    generator.description(document.description)
    generator.link(href=document.self_url, rel="self", type=fmt.media_type)
    generator.link(href=document.home_url, rel="alternate")  # the last link is RSS's <link>
    generator.language(document.language)
    generator.updated(document.updated)
    generator.generator(SITE_NAME)
    for entry in document.entries:
        _add_entry(generator, entry, fmt)
    return generator


def _add_entry(generator: FeedGenerator, entry: FeedEntry, fmt: FeedFormat) -> None:
    item = generator.add_entry(order="append")
    item.guid(entry.guid, permalink=False)
    item.title(entry.title)
    item.link(href=entry.link, rel="alternate")
    item.summary(entry.summary_html, type="html")
    if fmt is FeedFormat.RSS or not entry.first_seen_only:
        # Atom's <published> is optional: an entry without one says its publication date is
        # not known, and its <updated> is when we first saw it.
        item.published(entry.published)
    item.updated(entry.updated)
    if entry.categories:
        item.category(
            [{"term": c.term, "label": c.label, "scheme": c.scheme} for c in entry.categories]
        )
    if fmt is FeedFormat.RSS:
        item.dc.dc_creator(entry.author)
    else:
        item.author({"name": entry.author})


def render_json(document: FeedDocument) -> bytes:
    feed = {
        "version": JSON_FEED_VERSION,
        "title": document.title,
        "home_page_url": document.home_url,
        "feed_url": document.self_url,
        "description": document.description,
        "language": document.language,
        "items": [_json_item(entry) for entry in document.entries],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _json_item(entry: FeedEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.guid,
        "url": entry.link,
        "title": entry.title,
        "content_html": entry.summary_html,
        "summary": entry.summary_text,
        "date_published": _rfc3339(entry.published),
        "date_modified": _rfc3339(entry.updated),
        "authors": [{"name": entry.author}],
        "tags": [category.label for category in entry.categories],
        "language": entry.language,
    }
    if entry.grant is not None:
        item["_grant_call"] = entry.grant
    if entry.date_kind is not None:
        item["_story_date"] = entry.date_kind
    return item


# --- small helpers ------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """One line of text without characters XML cannot carry."""
    return " ".join(_NOT_XML.sub(" ", text or "").split())


def to_uri(url: str) -> str:
    """``url`` as an ASCII URI: IDNA host, percent-encoded path, query and fragment."""
    parts = urlsplit(clean_text(url))
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        host = quote(host, safe="")
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path, safe=_URI_SAFE),
            quote(parts.query, safe=_URI_SAFE),
            quote(parts.fragment, safe=_URI_SAFE),
        )
    )


def _seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return _seconds(moment).isoformat().replace("+00:00", "Z")
