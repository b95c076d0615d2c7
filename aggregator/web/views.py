"""View models for the templates: tag labels, the reasons behind tags, source names, deadlines.

Templates get plain values in the reader's language and never a database session. Stored
reasons are the dicts of :meth:`aggregator.types.TagAssignment.why`; :func:`reason_views` turns
them into :class:`ReasonView` records the templates phrase in each language. Item bodies were
sanitised at ingest and are sanitised again here (defence in depth) before being marked safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from aggregator.display import source_display_names, source_display_names_in
from aggregator.normalize.text import sanitize_html
from aggregator.sources.registry import SourceConfig
from aggregator.store.models import TagRow
from aggregator.store.queries import StoryView, TagView


@dataclass(frozen=True, slots=True)
class TagOption:
    id: str
    kind: str
    label: str


@dataclass(frozen=True, slots=True)
class MatchView:
    """One rule term and the words that matched it, in whichever fields they were found."""

    term: str
    fields: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReasonView:
    """One reason for a tag: ``origin`` is rule, model, source or admin."""

    origin: str
    rule: str = ""
    matches: tuple[MatchView, ...] = ()
    source: str = ""
    admin: str = ""
    at: datetime | None = None
    note: str = ""
    note_public: bool = False  # an editor chose to show the note on the public page
    probability: float = 0.0  # the learned model's, with the words that weighed most
    words: tuple[str, ...] = ()

    @property
    def percent(self) -> str:
        return f"{self.probability * 100:.0f} %"


@dataclass(frozen=True, slots=True)
class TagBadge:
    id: str
    kind: str
    label: str
    origin: str
    reasons: tuple[ReasonView, ...]


def tag_options(rows: Iterable[TagRow], language: str) -> list[TagOption]:
    """Taxonomy rows as (id, kind, label in ``language``), in taxonomy order."""
    return [TagOption(row.id, row.kind, label_of(row, language)) for row in rows]


def label_of(row: TagRow, language: str) -> str:
    label: str = getattr(row, f"label_{language}", "") or row.label_fi
    return label


def _matches(matched: Iterable[Any]) -> tuple[MatchView, ...]:
    """Stored matches (one per field and term) grouped by term, words without duplicates."""
    fields: dict[str, list[str]] = {}
    words: dict[str, dict[str, str]] = {}
    for data in matched:
        if not isinstance(data, Mapping):
            continue
        term = str(data.get("term", ""))
        fields.setdefault(term, []).append(str(data.get("field", "")))
        for word in data.get("words") or ():
            words.setdefault(term, {}).setdefault(str(word).casefold(), str(word))
    return tuple(
        MatchView(term, tuple(dict.fromkeys(names)), tuple(words.get(term, {}).values()))
        for term, names in fields.items()
    )


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def reason_view(reason: Mapping[str, Any], source_names: Mapping[str, str]) -> ReasonView:
    origin = str(reason.get("origin", ""))
    source_id = str(reason.get("source", ""))
    return ReasonView(
        origin=origin,
        rule=str(reason.get("rule", "")),
        matches=_matches(reason.get("matched", ())),
        source=source_names.get(source_id, source_id),
        admin=str(reason.get("admin", "")),
        at=_moment(reason.get("at")),
        note=str(reason.get("note", "")),
        note_public=reason.get("note_public") is True,
        probability=_probability(reason.get("probability")),
        words=tuple(str(word) for word in reason.get("words") or () if isinstance(word, str)),
    )


def _probability(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def tag_badges(
    tags: Sequence[TagView], labels: Mapping[str, str], source_names: Mapping[str, str]
) -> list[TagBadge]:
    """An item's tags, audiences first, each with its label and reasons."""
    ordered = sorted(tags, key=lambda t: (t.kind != "audience", labels.get(t.tag_id, t.tag_id)))
    return [
        TagBadge(
            id=tag.tag_id,
            kind=tag.kind,
            label=labels.get(tag.tag_id, tag.tag_id),
            origin=tag.origin,
            reasons=tuple(reason_view(r, source_names) for r in tag.reasons),
        )
        for tag in ordered
    ]


def source_names(sources: Iterable[SourceConfig], language: str | None = None) -> dict[str, str]:
    """source id -> its distinct name (publisher, qualified by its list where the publisher
    has several), for filters and for showing where a story was seen; on a page in
    ``language``, in that language where the configuration names it."""
    if language is None:
        return source_display_names(list(sources))
    return source_display_names_in(list(sources), language)


def safe_body(story: StoryView) -> Markup:
    """The story's article markup, sanitised again at render."""
    return Markup(sanitize_html(story.body_html))  # noqa: S704 - sanitised by nh3 just now
