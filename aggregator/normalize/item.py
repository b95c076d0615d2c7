"""Turn a parser's :class:`RawItem` into a normalised :class:`Item`.

Merges an article page's details into its list item, cleans the text, sanitises the body
markup, canonicalises the URL and computes the story keys and content hash that
:mod:`aggregator.normalize.dedupe` decides on. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from aggregator.normalize import text
from aggregator.normalize.dedupe import content_hash, story_keys
from aggregator.normalize.urls import canonical_url, url_key
from aggregator.types import ArticleDetails, Item, RawItem

SUMMARY_MAX_CHARS = 600
# Widths of the stored fields: a 200 KB "title" (a broken or hostile feed) is cut, not refused.
TITLE_MAX_CHARS = 500
KIND_MAX_CHARS = 64
GUID_MAX_CHARS = 255
NAME_MAX_CHARS = 255


def merge_article(raw: RawItem, article: ArticleDetails) -> RawItem:
    """The list item completed by its article page: full text, exact time, kind.

    The list's title and summary win when present (they are what the site shows in its list);
    the article supplies what the list lacks.
    """
    from_article = article.published is not None and (
        article.published_has_time or raw.published is None
    )
    return replace(
        raw,
        title=raw.title or article.title,
        body_text=article.body_text or raw.body_text,
        body_html=article.body_html or raw.body_html,
        published=article.published if from_article else raw.published,
        published_has_time=article.published_has_time if from_article else raw.published_has_time,
        published_origin=article.published_origin if from_article else raw.published_origin,
        updated=article.updated or raw.updated,
        kind=raw.kind or article.kind,
        alternates=article.alternates or raw.alternates,
    )


def normalize_item(raw: RawItem) -> Item:
    """Clean, canonicalise and key one story; text fields cut to what the store holds."""
    title = text.truncate(raw.title, TITLE_MAX_CHARS)
    body_text = text.clean_whitespace(raw.body_text, keep_paragraphs=True)
    summary = text.clean_whitespace(raw.summary) or text.truncate(body_text, SUMMARY_MAX_CHARS)
    url = canonical_url(raw.url)
    language = raw.language or "fi"
    return Item(
        source_id=raw.source_id,
        url=raw.url,
        canonical_url=url,
        title=title,
        summary=summary,
        body_text=body_text,
        body_html=text.sanitize_html(raw.body_html) if raw.body_html else "",
        published=raw.published,
        published_has_time=raw.published_has_time,
        language=language,
        kind=text.truncate(raw.kind, KIND_MAX_CHARS),
        guid=text.without_surrogates(raw.guid)[:GUID_MAX_CHARS],
        publisher=text.truncate(raw.publisher, NAME_MAX_CHARS),
        list_name=text.truncate(raw.list_name, NAME_MAX_CHARS),
        story_keys=story_keys(url, title, language),
        content_hash=content_hash(title, summary, body_text),
        grant=raw.grant,
        updated=raw.updated,
        alternates=_alternates(url, raw.alternates),
        published_origin=raw.published_origin if raw.published is not None else "",
    )


def _alternates(url: str, alternates: tuple[str, ...]) -> tuple[str, ...]:
    """The other-language URLs canonicalised, the page's own and repeats left out."""
    own = url_key(url)
    found: dict[str, str] = {}
    for alternate in alternates:
        canonical = canonical_url(alternate)
        key = url_key(canonical)
        if key != own:
            found.setdefault(key, canonical)
    return tuple(found.values())
