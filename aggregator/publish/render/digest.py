"""Render one subscriber's digest email from what :mod:`aggregator.publish.choose` chose.
Pure: no I/O.

Strings are in the subscriber's language and times in Europe/Helsinki (the shared
``date``/``datetime`` template filters). Each story is rendered once per language and run
(:class:`StoryFragments`); a digest's templates then only join blocks, which is what makes
10,000 digests a run affordable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from markupsafe import Markup

from aggregator.display import format_date, format_datetime
from aggregator.grants.lifecycle import days_left
from aggregator.i18n import LANGUAGE_NAMES, gettext, ngettext, reading_order
from aggregator.publish.choose import Digest, TagInfo
from aggregator.publish.render.message import Envelope, Rendered, Sender, build_message
from aggregator.publish.tokens import SubscriberLinks
from aggregator.store.grants import fields_of
from aggregator.store.queries import GrantView, StoryView
from aggregator.store.subscribers import Frequency
from aggregator.templating import render


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

    def __init__(
        self,
        tags: Mapping[str, TagInfo],
        now: datetime,
        publishers: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.tags = tags
        self.now = now  # for "days left": one run renders within one day
        # source id -> language -> publisher (aggregator.display.publisher_names)
        self.publishers = publishers or {}
        self._html: dict[tuple[int, str, str], Markup] = {}
        self._text: dict[tuple[int, str, str], str] = {}

    def html(self, story: StoryView, language: str, order: Sequence[str] = ()) -> Markup:
        """The story in an email in ``language``, in the first language of ``order`` it has
        (default: ``language``)."""
        shown = story.in_language(*(order or (language,)))
        key = (story.id, language, shown.language)
        if key not in self._html:
            rendered = render("email/_story.html", language, **self._context(shown, language))
            self._html[key] = Markup(rendered)  # noqa: S704 - autoescaped template output
        return self._html[key]

    def text(self, story: StoryView, language: str, order: Sequence[str] = ()) -> str:
        shown = story.in_language(*(order or (language,)))
        key = (story.id, language, shown.language)
        if key not in self._text:
            self._text[key] = render("email/_story.txt", language, **self._context(shown, language))
        return self._text[key]

    def label(self, tag_id: str, language: str) -> str:
        tag = self.tags.get(tag_id)
        return tag.label(language) if tag is not None else tag_id

    def _context(self, story: StoryView, language: str) -> dict[str, object]:
        named = self.publishers.get(story.primary_source_id, {}).get(language, "")
        return {
            "story": story,
            "publisher": named or story.publisher or story.primary_source_id,
            "versions": [
                (LANGUAGE_NAMES.get(v.language, v.language), safe_link(v.url))
                for v in story.other_versions
                if safe_link(v.url)
            ],
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
    order = reading_order(language, digest.subscriber.preferences.languages)
    context = {
        "digest": digest,
        "heading": heading(digest),
        "count": len(digest.stories),
        "links": links,
        "base_url": base_url.rstrip("/"),
        "closing": _section("", digest.closing_soon, fragments, language, order),
        "sections": [
            _section(
                fragments.label(s.tag_id, language) if s.tag_id else "",
                s.stories,
                fragments,
                language,
                order,
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
    title: str,
    stories: Sequence[StoryView],
    fragments: StoryFragments,
    language: str,
    order: Sequence[str],
) -> RenderedSection:
    html = Markup("").join(fragments.html(story, language, order) + "\n" for story in stories)
    text = "".join(fragments.text(story, language, order) + "\n" for story in stories)
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
