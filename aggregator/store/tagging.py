"""Tagging over the database, where admins keep the taxonomy, the rules and learned models.

- :func:`seed_tagging` copies ``config/taxonomy.toml`` and ``config/rules.toml`` into the
  database on ``aggregator init``; what admins changed there stays.
- :func:`database_tagger` builds a :class:`~aggregator.tagging.match.Tagger` from the database's
  tags and enabled rules (a broken stored rule is logged and skipped, never fatal).
- :func:`tag_story` tags one stored story: the rules (and the newest learned model, when one is
  stored) on its text, plus the source-implied tags of EVERY source that carried it (a story
  first seen in the main list and then in "Uutisia viranomaisille" gets that list's audience),
  merged with the admins' overrides; the model's suggestions go to the review queue
  (:mod:`aggregator.store.learning`). The pipeline tags a crawl's stories itself, as a pure step
  (:func:`aggregator.tagging.assign.assess`), and stores them with the run.
- :func:`retag` re-applies the current rules to stored stories, idempotently;
  :func:`preview_rule` says which stories a draft rule would add its tag to or remove it from.
- :class:`TaggerProvider` hands long-running processes a tagger that is rebuilt when an admin
  changes a rule or tag (the ``rules`` content version moves).
"""

from __future__ import annotations

import logging
import threading
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from aggregator.clock import Clock, SystemClock
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.learning import latest_model, replace_suggestions
from aggregator.store.models import ItemRow, Sighting, StoryVersion
from aggregator.store.tags import TagStore
from aggregator.tagging.assign import assess_versions, with_rule
from aggregator.tagging.loading import load_masked_phrases, read_source_defaults, rules_from_records
from aggregator.tagging.match import Tagger, TextItem
from aggregator.tagging.morphology import Morphology, shared_morphology
from aggregator.tagging.rules import Rule
from aggregator.tagging.taxonomy import TagDefinition, Taxonomy, load_taxonomy
from aggregator.types import TagAssignment, TagKind

log = logging.getLogger(__name__)

RULES_VERSION = "rules"
BATCH = 500


# --- seeding and building ----------------------------------------------------------------------


def _tag_record(tag: TagDefinition) -> dict[str, Any]:
    labels = dict(tag.labels)
    return {
        "id": tag.id,
        "kind": tag.kind.value,
        "label_fi": labels["fi"],
        "label_sv": labels["sv"],
        "label_en": labels["en"],
        "description_en": tag.description,
    }


def seed_tagging(session: Session, config_dir: Path, now: datetime) -> tuple[int, int]:
    """Copy configured tags and rules the database lacks; returns (tags added, rules added)."""
    store = TagStore(session)
    tags = store.seed_taxonomy(
        [_tag_record(t) for t in load_taxonomy(config_dir / "taxonomy.toml").tags], now
    )
    rules_path = config_dir / "rules.toml"
    records = tomllib.loads(rules_path.read_text(encoding="utf-8")).get("rule", [])
    rules = store.seed_rules(records, now)
    if tags or rules:
        versions.bump(session, now, RULES_VERSION)
    return tags, rules


def database_taxonomy(session: Session) -> Taxonomy:
    """The active tags of the database as a Taxonomy (audiences first, in their order)."""
    definitions = [
        TagDefinition(
            row.id,
            TagKind(row.kind),
            (("fi", row.label_fi), ("sv", row.label_sv), ("en", row.label_en)),
            row.description_en or row.description_fi or row.description_sv or row.id,
        )
        for row in TagStore(session).taxonomy()
    ]
    return Taxonomy(sorted(definitions, key=lambda t: t.kind != TagKind.AUDIENCE))


def database_rules(
    session: Session, taxonomy: Taxonomy, morphology: Morphology | None = None
) -> list[Rule]:
    records = [row.definition for row in TagStore(session).rules(enabled_only=True)]
    return rules_from_records(records, taxonomy=taxonomy, morphology=morphology)


def database_tagger(session: Session, config_dir: Path, morphology: Morphology) -> Tagger:
    """A tagger over the database's taxonomy, rules and newest learned model, with the
    configured source defaults.

    The rules are checked again but their terms are not looked up for warnings: the admin
    page shows a term no analyser knows while the rule is edited, and
    :func:`aggregator.tagging.loading.load_rules` logs those of ``rules.toml``. Looking every
    term up in every language here would load the Swedish and English dictionaries (seconds
    and about 100 MB) into a process that may never tag a story in those languages."""
    taxonomy = database_taxonomy(session)
    return Tagger(
        taxonomy,
        database_rules(session, taxonomy),
        morphology,
        read_source_defaults(config_dir / "sources.toml"),
        masked_phrases=load_masked_phrases(config_dir / "rules.toml"),
        model=latest_model(session),
    )


# --- tagging stored stories --------------------------------------------------------------------


def assess_story(
    tagger: Tagger,
    row: ItemRow,
    sightings: Sequence[tuple[str, str]],
    versions: Sequence[StoryVersion] = (),
) -> tuple[list[TagAssignment], list[TagAssignment]]:
    """(tags, model suggestions) of a story: rules and model on its text and on the text of
    each of its other language versions (the union), with the list it was first seen in, plus
    the defaults of every source that carried it."""
    list_name = sightings[0][1] if sightings else ""
    own = TextItem(
        row.title, row.summary, row.body_text, row.language, row.primary_source_id, row.url
    )
    texts = TextItem.story_texts([own, *versions], list_name)
    sources = [source_id for source_id, _ in sightings] or [row.primary_source_id]
    return assess_versions(tagger, texts, sources)


def computed_tags(
    tagger: Tagger,
    row: ItemRow,
    sightings: Sequence[tuple[str, str]],
    versions: Sequence[StoryVersion] = (),
) -> list[TagAssignment]:
    """Rules and model on the story's texts plus the defaults of every source that carried it."""
    return assess_story(tagger, row, sightings, versions)[0]


def _versions_of(session: Session, item_ids: Sequence[int]) -> dict[int, list[StoryVersion]]:
    """item id -> its other language versions."""
    found: dict[int, list[StoryVersion]] = {}
    query = select(StoryVersion).where(col(StoryVersion.item_id).in_(list(item_ids)))
    for version in session.exec(query.order_by(col(StoryVersion.id))):
        found.setdefault(version.item_id, []).append(version)
    return found


def _sightings_of(session: Session, item_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """item id -> (source id, list name) of every sighting, first seen first."""
    found: dict[int, list[tuple[str, str]]] = {}
    query = select(Sighting.item_id, Sighting.source_id, Sighting.list_name).where(
        col(Sighting.item_id).in_(list(item_ids))
    )
    for item_id, source_id, list_name in session.exec(query.order_by(col(Sighting.id))):
        found.setdefault(item_id, []).append((source_id, list_name))
    return found


def tag_story(session: Session, tagger: Tagger, item_id: int, now: datetime) -> bool:
    """(Re)tag one stored story; True when its stored tags changed."""
    return bool(tag_stories(session, tagger, [item_id], now))


def tag_stories(
    session: Session, tagger: Tagger, item_ids: Sequence[int], now: datetime
) -> set[int]:
    """(Re)tag stored stories with a few queries for all of them; the ids whose tags changed."""
    ids = list(dict.fromkeys(item_ids))
    rows: list[ItemRow] = []
    sightings: dict[int, list[tuple[str, str]]] = {}
    versions: dict[int, list[StoryVersion]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows += session.exec(select(ItemRow).where(col(ItemRow.id).in_(chunk)))
        sightings.update(_sightings_of(session, chunk))
        versions.update(_versions_of(session, chunk))
    computed: dict[int, list[TagAssignment]] = {}
    suggested: dict[int, list[TagAssignment]] = {}
    for row in rows:
        if row.id is not None:
            computed[row.id], suggested[row.id] = assess_story(
                tagger, row, sightings.get(row.id, []), versions.get(row.id, [])
            )
    changed = TagStore(session).apply_many(computed, now)
    if tagger.model is not None:
        replace_suggestions(session, suggested, now)
    return changed


def _batches(session: Session, since: datetime | None) -> Iterator[list[ItemRow]]:
    last_id = 0
    while True:
        query = select(ItemRow).where(col(ItemRow.id) > last_id)
        if since is not None:
            query = query.where(col(ItemRow.sort_at) >= since)
        rows = list(session.exec(query.order_by(col(ItemRow.id)).limit(BATCH)))
        if not rows:
            return
        yield rows
        last_id = rows[-1].id or last_id


@dataclass(frozen=True, slots=True)
class RetagResult:
    checked: int
    changed: int


def retag(
    session: Session,
    tagger: Tagger,
    since: datetime | None = None,
    *,
    now: datetime | None = None,
) -> RetagResult:
    """Re-apply ``tagger`` to stored stories (published/seen since ``since``); idempotent."""
    now = now or SystemClock().now()
    store = TagStore(session)
    kinds = store.kinds()
    checked = changed = 0
    for rows in _batches(session, since):
        ids = [r.id for r in rows if r.id is not None]
        sightings = _sightings_of(session, ids)
        versions = _versions_of(session, ids)
        suggested: dict[int, list[TagAssignment]] = {}
        for row in rows:
            assert row.id is not None
            assignments, suggested[row.id] = assess_story(
                tagger, row, sightings.get(row.id, []), versions.get(row.id, [])
            )
            changed += store.apply(row.id, assignments, now, kinds=kinds)
            checked += 1
        if tagger.model is not None:
            replace_suggestions(session, suggested, now)
        session.flush()
    return RetagResult(checked=checked, changed=changed)


@dataclass(frozen=True, slots=True)
class RulePreview:
    """Story ids whose stored tags saving the draft would add its tag to or remove it from."""

    tag_id: str
    added: tuple[int, ...]
    removed: tuple[int, ...]
    checked: int


def _effective(tags: Sequence[TagAssignment], removed_by_admin: set[str]) -> set[str]:
    return {a.tag_id for a in tags} - removed_by_admin


def preview_rule(session: Session, draft: Rule, *, tagger: Tagger) -> RulePreview:
    """What saving ``draft`` would change for its tag across all stored stories.

    Compares the current rules with the current rules plus the draft (replacing the stored rule
    of the same id), both with the admins' overrides applied, so only the draft's effect shows.
    """
    after = with_rule(tagger, draft)
    store = TagStore(session)
    added: list[int] = []
    removed: list[int] = []
    checked = 0
    for rows in _batches(session, None):
        ids = [r.id for r in rows if r.id is not None]
        sightings, overrides = _sightings_of(session, ids), store.overrides(ids)
        versions = _versions_of(session, ids)
        for row in rows:
            assert row.id is not None
            pinned = {o.tag_id: o.action for o in overrides.get(row.id, [])}
            if draft.tag in pinned:
                continue  # an admin decided this story's tag; the rule cannot change it
            carried, texts = sightings.get(row.id, []), versions.get(row.id, [])
            had = draft.tag in _effective(computed_tags(tagger, row, carried, texts), set())
            has = draft.tag in _effective(computed_tags(after, row, carried, texts), set())
            if has and not had:
                added.append(row.id)
            elif had and not has:
                removed.append(row.id)
            checked += 1
    return RulePreview(draft.tag, tuple(added), tuple(removed), checked)


# --- long-running processes --------------------------------------------------------------------


class TaggerProvider:
    """A tagger over the database rules, rebuilt when admins change them.

    One morphology (with its analysis cache) is shared by every rebuild; libvoikko is not
    thread-safe, so tagging goes through :meth:`tag_story` or :meth:`current` under a lock.
    """

    def __init__(
        self, config_dir: Path, morphology: Morphology | None = None, clock: Clock | None = None
    ) -> None:
        self.config_dir = config_dir
        self._morphology = morphology
        self._lock = threading.RLock()
        self._tagger: Tagger | None = None
        self._version: int | None = None
        self.clock = clock or SystemClock()

    @property
    def morphology(self) -> Morphology:
        if self._morphology is None:
            self._morphology = shared_morphology()
        return self._morphology

    def tagger(self, session: Session) -> Tagger:
        with self._lock:
            version, _ = versions.current(session, RULES_VERSION)
            if self._tagger is None or version != self._version:
                self._tagger = database_tagger(session, self.config_dir, self.morphology)
                self._version = version
            return self._tagger

    def tag_story(self, session: Session, item_id: int, now: datetime) -> bool:
        with self._lock:
            return tag_story(session, self.tagger(session), item_id, now)

    @contextmanager
    def current(self, engine: Engine) -> Iterator[Tagger]:
        """The current tagger, held under the lock while the caller tags (libvoikko is not
        thread-safe); the pipeline passes it to its pure tagging step."""
        with self._lock:
            with session_scope(engine) as session:
                tagger = self.tagger(session)
            yield tagger


def rules_changed(session: Session, now: datetime) -> None:
    """Tell every TaggerProvider (in any process) to rebuild: call after saving rules or tags."""
    versions.bump(session, now, RULES_VERSION)


def retag_stored(
    engine: Engine, provider: TaggerProvider, since: datetime | None, now: datetime
) -> RetagResult:
    """:func:`retag` with the provider's current tagger, in one transaction."""
    with session_scope(engine) as session:
        return retag(session, provider.tagger(session), since, now=now)
