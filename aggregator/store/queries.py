"""Read models for feeds, web pages and digests: stories with their tags, sightings and call.

:class:`ItemFilter` is the one filter language of the service: values of one kind are OR-ed
(audience funding OR municipalities), kinds are AND-ed (... AND topic amif AND language fi).
Every value reaches SQL as a bound parameter. Results are :class:`StoryView` dataclasses, so
renderers never touch a session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlalchemy.sql.selectable import TextualSelect
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from aggregator.normalize.dating import PUBLISHED, shown_date
from aggregator.search.terms import SearchQuery, parse_query
from aggregator.store import search
from aggregator.store.models import (
    GrantCallRow,
    ItemGrantLink,
    ItemRow,
    ItemTag,
    Sighting,
    StoryVersion,
)

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ItemFilter:
    audiences: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    grant_calls_only: bool = False
    news_only: bool = False  # feeds: no call that had closed when first seen, unless dated
    item_ids: tuple[int, ...] = ()
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class TagView:
    tag_id: str
    kind: str
    origin: str
    reasons: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class SightingView:
    source_id: str
    url: str
    list_name: str
    first_seen_at: datetime


@dataclass(frozen=True, slots=True)
class GrantView:
    id: int
    call_key: str
    title: str
    url: str
    funder: str | None
    programme: str | None
    opens_at: datetime | None
    opens_has_time: bool
    closes_at: datetime | None
    closes_has_time: bool
    amount_eur: float | None
    eligible: tuple[str, ...]
    apply_url: str | None
    rolling: bool
    deadline_changed_at: datetime | None
    previous_closes_at: datetime | None
    reference: str | None = None
    item_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class VersionView:
    """One language version of a story: the text and address in that language."""

    language: str
    title: str
    url: str
    summary: str = ""


# The order versions are listed in: the service's languages first, then any other.
LANGUAGE_ORDER = ("fi", "sv", "en")


def version_order(language: str) -> tuple[int, str]:
    return (
        LANGUAGE_ORDER.index(language) if language in LANGUAGE_ORDER else len(LANGUAGE_ORDER),
        language,
    )


@dataclass(frozen=True, slots=True)
class StoryView:
    id: int
    title: str
    summary: str
    body_html: str
    url: str
    language: str
    kind: str
    publisher: str
    primary_source_id: str
    published_at: datetime | None
    published_has_time: bool
    first_seen_at: datetime
    updated_at: datetime
    sort_at: datetime
    edits: int
    tags: tuple[TagView, ...] = ()
    sightings: tuple[SightingView, ...] = ()
    grant: GrantView | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Every language version, this story's own among them (empty: only its own).
    versions: tuple[VersionView, ...] = ()

    @property
    def all_versions(self) -> tuple[VersionView, ...]:
        """Every language version of the story, in the order fi, sv, en, others."""
        if self.versions:
            return self.versions
        return (VersionView(self.language, self.title, self.url, self.summary),)

    @property
    def other_versions(self) -> tuple[VersionView, ...]:
        """The versions in languages other than the one this view shows."""
        return tuple(v for v in self.all_versions if v.language != self.language)

    def in_language(self, *languages: str) -> StoryView:
        """The story as a reader of ``languages`` (most wanted first) sees it: the first of
        them it has a version in gives the title, summary and address (the body stays only
        with the version it belongs to); with none of them, the story as stored."""
        for language in languages:
            if language == self.language:
                return self
            for version in self.versions:
                if version.language == language:
                    return replace(
                        self,
                        title=version.title,
                        summary=version.summary,
                        url=version.url,
                        language=version.language,
                        body_html="",
                    )
        return self

    date_kind: str = PUBLISHED
    date_origin: str = ""
    date_note: str = ""
    closed_when_seen: bool = False

    @property
    def first_seen_only(self) -> bool:
        """True when no publication date is known: the story is dated by its first sighting."""
        return shown_date(self.date_kind, self.published_at, self.first_seen_at)[1]

    @property
    def dated_at(self) -> datetime:
        """The story's date as every page, feed, digest and the CLI show it: its publisher's
        date, else when it was first seen (then :attr:`first_seen_only` says so)."""
        return shown_date(self.date_kind, self.published_at, self.first_seen_at)[0]

    @property
    def dated_has_time(self) -> bool:
        return self.first_seen_only or self.published_has_time

    @property
    def is_news(self) -> bool:
        """False for a grant call that had closed when it was first seen (no digest, and no
        feed unless its publisher dated it)."""
        return not self.closed_when_seen

    @property
    def audiences(self) -> tuple[str, ...]:
        return tuple(t.tag_id for t in self.tags if t.kind == "audience")

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(t.tag_id for t in self.tags if t.kind == "topic")

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.source_id for s in self.sightings))


def _has_tag(tag_ids: Sequence[str]) -> ColumnElement[bool]:
    return exists().where(
        and_(col(ItemTag.item_id) == col(ItemRow.id), col(ItemTag.tag_id).in_(list(tag_ids)))
    )


def _filtered(query: SelectOfScalar[Any], f: ItemFilter) -> SelectOfScalar[Any]:
    if f.audiences:
        query = query.where(_has_tag(f.audiences))
    if f.topics:
        query = query.where(_has_tag(f.topics))
    if f.sources:
        query = query.where(
            exists().where(
                and_(
                    col(Sighting.item_id) == col(ItemRow.id),
                    col(Sighting.source_id).in_(list(f.sources)),
                )
            )
        )
    if f.languages:  # a story in any of them, as its own text or one of its versions
        in_version = exists().where(
            and_(
                col(StoryVersion.item_id) == col(ItemRow.id),
                col(StoryVersion.language).in_(list(f.languages)),
            )
        )
        query = query.where(or_(col(ItemRow.language).in_(list(f.languages)), in_version))
    if f.since is not None:
        query = query.where(col(ItemRow.sort_at) >= f.since)
    if f.until is not None:
        query = query.where(col(ItemRow.sort_at) < f.until)
    if f.grant_calls_only:
        query = query.where(exists().where(col(ItemGrantLink.item_id) == col(ItemRow.id)))
    if f.item_ids:
        query = query.where(col(ItemRow.id).in_(list(f.item_ids)))
    if f.news_only:
        query = query.where(~col(ItemRow.closed_when_seen) | (col(ItemRow.date_kind) == PUBLISHED))
    return query


def find_items(session: Session, f: ItemFilter) -> list[StoryView]:
    """Stories matching ``f``, newest first, with tags, sightings and grant call attached.
    A search ranks by relevance (see :func:`_found_items`)."""
    limit = max(1, min(f.limit, MAX_LIMIT))
    if f.text.strip():
        return attach(session, _found_items(session, f, limit))
    query = _filtered(select(ItemRow), f).order_by(*_NEWEST)
    rows = list(session.exec(query.offset(max(0, f.offset)).limit(limit)))
    return attach(session, rows)


_NEWEST = (col(ItemRow.sort_at).desc(), col(ItemRow.id).desc())
# With more title matches than this, SQLite walks the stories newest first and stops at a
# page; with fewer, it fetches the matches and sorts them (both measured, bench_search.py).
_WALK_THE_INDEX_FROM = 1_000


def _found_items(session: Session, f: ItemFilter, limit: int) -> list[ItemRow]:
    """One page of a search, in two tiers of relevance: stories whose title matches every
    word, then those matching in their text; newest first within each tier."""
    parsed = parse_query(f.text)
    if not parsed:
        return []
    dialect = session.get_bind().dialect.name
    in_title = _matches(session, dialect, parsed, title_only=True)
    offset = max(0, f.offset)
    # Exact wherever it is used: the text tier's offset only when the title tier ended on
    # this page, and the walk-or-fetch choice only up to its threshold.
    at_most = max(offset + limit, _WALK_THE_INDEX_FROM) + 1
    if isinstance(in_title, list) and _only_text(f):
        title_total = len(in_title)  # every title match, and nothing else filters them
    else:
        title_total = _count_in(session, f, parsed, title_only=True, at_most=at_most)
    story_id: ColumnElement[int | None] = col(ItemRow.id)  # type: ignore[assignment]
    if dialect == "sqlite" and title_total > _WALK_THE_INDEX_FROM:
        story_id = story_id + 0  # not the rowid look-up: SQLite walks ix_item_sort_at_id
    rows: list[ItemRow] = []
    if title_total:
        first = _filtered(select(ItemRow), f).where(story_id.in_(in_title))
        rows = list(session.exec(first.order_by(*_NEWEST).offset(offset).limit(limit)))
    if len(rows) == limit:
        return rows
    anywhere = _matches(session, dialect, parsed)
    if anywhere == []:
        return rows
    rest = (
        _filtered(select(ItemRow), f)
        .where(col(ItemRow.id).in_(anywhere))
        .where(col(ItemRow.id).not_in(in_title))
        .order_by(*_NEWEST)
        .offset(max(0, offset - title_total))
        .limit(limit - len(rows))
    )
    return rows + list(session.exec(rest))


def _matches(
    session: Session, dialect: str, parsed: SearchQuery, *, title_only: bool = False
) -> list[int] | TextualSelect:
    """What a search tier filters on: the matching ids themselves when they are few (looked
    up by id), else the index's sub-select (a common word: walking the stories newest first
    finds a page of them at once)."""
    few = search.few_matching_ids(
        session, parsed, title_only=title_only, at_most=_WALK_THE_INDEX_FROM
    )
    return few if few is not None else search.matching_ids(dialect, parsed, title_only=title_only)


def _only_text(f: ItemFilter) -> bool:
    """True when the search text is the only condition (the index alone can count)."""
    return replace(f, text="", limit=0, offset=0) == ItemFilter(limit=0, offset=0)


def _count_in(
    session: Session,
    f: ItemFilter,
    parsed: SearchQuery,
    *,
    title_only: bool = False,
    at_most: int | None = None,
) -> int:
    if _only_text(f):
        return search.count_matches(session, parsed, title_only=title_only, at_most=at_most)
    dialect = session.get_bind().dialect.name
    ids = search.matching_ids(dialect, parsed, title_only=title_only)
    if at_most is None:
        query = _filtered(select(func.count()).select_from(ItemRow), f)
        return int(session.exec(query.where(col(ItemRow.id).in_(ids))).one())
    found = _filtered(select(ItemRow.id), f).where(col(ItemRow.id).in_(ids)).limit(at_most)
    return int(session.exec(select(func.count()).select_from(found.subquery())).one())


# A search page counts its matches up to this many past its first story: a common word matches
# half of all stories, and counting them all cost more than the rest of the search (PostgreSQL,
# 100,000 stories: 550-800 ms against 5-40 ms counting to 1,000; benchmarks/bench_search.py).
SEARCH_COUNT_LIMIT = 1_000


def count_items(session: Session, f: ItemFilter, *, at_most: int | None = None) -> int:
    """How many stories match ``f``; a search stops counting at ``at_most`` when given."""
    if f.text.strip():
        parsed = parse_query(f.text)
        return _count_in(session, f, parsed, at_most=at_most) if parsed else 0
    query = _filtered(select(func.count()).select_from(ItemRow), f)
    return int(session.exec(query).one())


def get_item(session: Session, item_id: int) -> StoryView | None:
    row = session.get(ItemRow, item_id)
    return attach(session, [row])[0] if row is not None else None


def attach(session: Session, rows: Sequence[ItemRow]) -> list[StoryView]:
    """StoryViews for ``rows`` with their related rows loaded in three batched queries."""
    ids = [row.id for row in rows if row.id is not None]
    tags: dict[int, list[TagView]] = defaultdict(list)
    for tag in session.exec(
        select(ItemTag).where(col(ItemTag.item_id).in_(ids)).order_by(col(ItemTag.tag_id))
    ):
        tags[tag.item_id].append(TagView(tag.tag_id, tag.kind, tag.origin, tuple(tag.reasons)))
    sightings: dict[int, list[SightingView]] = defaultdict(list)
    for s in session.exec(
        select(Sighting).where(col(Sighting.item_id).in_(ids)).order_by(col(Sighting.id))
    ):
        sightings[s.item_id].append(SightingView(s.source_id, s.url, s.list_name, s.first_seen_at))
    grants = grants_for_items(session, ids)
    others = other_versions(session, ids)
    return [
        _story(
            row,
            tags.get(_id(row), []),
            sightings.get(_id(row), []),
            grants.get(_id(row)),
            others.get(_id(row), []),
        )
        for row in rows
    ]


def other_versions(session: Session, item_ids: Sequence[int]) -> dict[int, list[VersionView]]:
    """The stored other-language versions of the stories ``item_ids``."""
    found: dict[int, list[VersionView]] = defaultdict(list)
    if not item_ids:
        return found
    query = select(StoryVersion).where(col(StoryVersion.item_id).in_(list(item_ids)))
    for row in session.exec(query.order_by(col(StoryVersion.id))):
        found[row.item_id].append(VersionView(row.language, row.title, row.url, row.summary))
    return found


def versions_of(row: ItemRow, others: Sequence[VersionView]) -> tuple[VersionView, ...]:
    """A story's versions, its own included, in :data:`LANGUAGE_ORDER` (empty when it has
    only its own)."""
    if not others:
        return ()
    own = VersionView(row.language, row.title, row.url, row.summary)
    return tuple(sorted([own, *others], key=lambda v: version_order(v.language)))


def grants_for_items(session: Session, item_ids: Sequence[int]) -> dict[int, GrantView]:
    found: dict[int, GrantView] = {}
    query = (
        select(ItemGrantLink.item_id, GrantCallRow)
        .join(GrantCallRow, col(GrantCallRow.id) == col(ItemGrantLink.grant_call_id))
        .where(col(ItemGrantLink.item_id).in_(list(item_ids)))
    )
    for item_id, call in session.exec(query):
        found[item_id] = grant_view(call)
    return found


def grant_view(call: GrantCallRow, item_ids: Sequence[int] = ()) -> GrantView:
    assert call.id is not None
    return GrantView(
        id=call.id,
        call_key=call.call_key,
        title=call.title,
        url=call.url,
        funder=call.funder,
        programme=call.programme,
        opens_at=call.opens_at,
        opens_has_time=call.opens_has_time,
        closes_at=call.closes_at,
        closes_has_time=call.closes_has_time,
        amount_eur=call.amount_eur,
        eligible=tuple(call.eligible),
        apply_url=call.apply_url,
        rolling=call.rolling,
        deadline_changed_at=call.deadline_changed_at,
        previous_closes_at=call.previous_closes_at,
        reference=call.reference,
        item_ids=tuple(item_ids),
    )


def _id(row: ItemRow) -> int:
    assert row.id is not None
    return row.id


def _story(
    row: ItemRow,
    tags: list[TagView],
    sightings: list[SightingView],
    grant: GrantView | None,
    others: Sequence[VersionView] = (),
) -> StoryView:
    return StoryView(
        id=_id(row),
        title=row.title,
        summary=row.summary,
        body_html=row.body_html,
        url=row.url,
        language=row.language,
        kind=row.kind,
        publisher=row.publisher,
        primary_source_id=row.primary_source_id,
        published_at=row.published_at,
        published_has_time=row.published_has_time,
        first_seen_at=row.first_seen_at,
        updated_at=row.updated_at,
        sort_at=row.sort_at,
        edits=row.edits,
        date_kind=row.date_kind,
        date_origin=row.date_origin,
        date_note=row.date_note,
        closed_when_seen=row.closed_when_seen,
        tags=tuple(tags),
        sightings=tuple(sightings),
        grant=grant,
        versions=versions_of(row, others),
    )
