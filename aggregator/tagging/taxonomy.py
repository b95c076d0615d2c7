"""The tag vocabulary: audiences (who should see an item) and topics (what it is about).

Loaded from ``config/taxonomy.toml`` and validated; round-trips as a plain dict
(:meth:`Taxonomy.to_dict` / :func:`taxonomy_from_dict`) so the store can keep it and the web UI
can edit it. Every tag has an id (lower-case slug, unique across audiences and topics), a label
in Finnish, Swedish and English, and a description of what belongs under it.

File format::

    [[audiences]]
    id = "municipalities"
    description = "What municipalities ... must do, decide, organise or are paid."
    label = { fi = "Kunnat ja hyvinvointialueet", sv = "...", en = "..." }

    [[topics]]
    id = "amif"
    ...
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aggregator.errors import ConfigError
from aggregator.types import LANGUAGES, TagKind

TAG_ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
SECTIONS: dict[str, TagKind] = {"audiences": TagKind.AUDIENCE, "topics": TagKind.TOPIC}
TAG_KEYS = frozenset({"id", "label", "description"})


@dataclass(frozen=True, slots=True)
class TagDefinition:
    """One audience or topic. ``labels`` holds ``(language, label)`` pairs in fi, sv, en order."""

    id: str
    kind: TagKind
    labels: tuple[tuple[str, str], ...]
    description: str

    def label(self, language: str) -> str:
        """The label in ``language``, else the Finnish one."""
        by_language = dict(self.labels)
        return by_language.get(language, by_language["fi"])

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": dict(self.labels), "description": self.description}


class Taxonomy:
    """The audiences and topics, in their configured order (which is also output order)."""

    def __init__(self, tags: Sequence[TagDefinition]) -> None:
        self.tags: tuple[TagDefinition, ...] = tuple(tags)
        self._by_id = {tag.id: tag for tag in self.tags}
        self._position = {tag.id: index for index, tag in enumerate(self.tags)}

    def __contains__(self, tag_id: object) -> bool:
        return tag_id in self._by_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Taxonomy) and self.tags == other.tags

    def __hash__(self) -> int:
        return hash(self.tags)

    def get(self, tag_id: str) -> TagDefinition | None:
        return self._by_id.get(tag_id)

    def kind_of(self, tag_id: str) -> TagKind | None:
        tag = self._by_id.get(tag_id)
        return tag.kind if tag else None

    def position(self, tag_id: str) -> int:
        """Sort key: configured order, unknown ids last."""
        return self._position.get(tag_id, len(self.tags))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    @property
    def audiences(self) -> tuple[TagDefinition, ...]:
        return tuple(tag for tag in self.tags if tag.kind is TagKind.AUDIENCE)

    @property
    def topics(self) -> tuple[TagDefinition, ...]:
        return tuple(tag for tag in self.tags if tag.kind is TagKind.TOPIC)

    def to_dict(self) -> dict[str, Any]:
        return {
            "audiences": [tag.to_dict() for tag in self.audiences],
            "topics": [tag.to_dict() for tag in self.topics],
        }


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate ``config/taxonomy.toml``; raises :class:`ConfigError` saying why."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the taxonomy: {exc}") from exc
    try:
        return taxonomy_from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}") from exc


def taxonomy_from_dict(data: Mapping[str, Any]) -> Taxonomy:
    """Validate a taxonomy given as plain data (the shape of :meth:`Taxonomy.to_dict`)."""
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"unknown taxonomy section(s) {unknown}; expected audiences, topics")
    tags: list[TagDefinition] = []
    for section, kind in SECTIONS.items():
        entries = data.get(section, [])
        if not isinstance(entries, list) or not entries:
            raise ConfigError(f"{section!r} must be a non-empty list of tags")
        tags.extend(
            _tag_from_dict(entry, kind, f"{section}[{n}]") for n, entry in enumerate(entries)
        )
    _check_unique(tags)
    return Taxonomy(tags)


def _tag_from_dict(entry: Any, kind: TagKind, where: str) -> TagDefinition:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: a tag must be a table")
    unknown = sorted(set(entry) - TAG_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(TAG_KEYS)}")
    tag_id = entry.get("id")
    if not isinstance(tag_id, str) or not TAG_ID_RE.match(tag_id):
        raise ConfigError(f"{where}: id {tag_id!r} must be a lower-case slug like 'koto-digi'")
    description = entry.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ConfigError(f"{where} ({tag_id}): description must be a non-empty string")
    return TagDefinition(
        tag_id, kind, _labels(entry.get("label"), f"{where} ({tag_id})"), description.strip()
    )


def _labels(label: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(label, Mapping):
        raise ConfigError(f"{where}: label must be a table with {', '.join(LANGUAGES)}")
    missing = [
        lang
        for lang in LANGUAGES
        if not isinstance(label.get(lang), str) or not label[lang].strip()
    ]
    if missing:
        raise ConfigError(f"{where}: label missing or empty for {missing}")
    extra = sorted(set(label) - set(LANGUAGES))
    if extra:
        raise ConfigError(f"{where}: label has unknown language(s) {extra}")
    return tuple((lang, label[lang].strip()) for lang in LANGUAGES)


def _check_unique(tags: Sequence[TagDefinition]) -> None:
    seen: set[str] = set()
    for tag in tags:
        if tag.id in seen:
            raise ConfigError(f"tag id {tag.id!r} is defined twice")
        seen.add(tag.id)
