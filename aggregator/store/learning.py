"""The learned tagging layer in the database: model versions, editors' labels, the review queue.

- :func:`save_model` stores a trained model as a new version (its canonical JSON: weights and
  thresholds as data, never a pickle); :func:`latest_model` loads the newest one, which every
  tagger over the database uses (saving bumps the ``rules`` content version, so long-running
  taggers rebuild).
- :func:`editor_examples` turns every editor decision into a training label: a tag override
  ``add`` (an added tag, or a confirmed suggestion) says the tag is right for that story, a
  ``remove`` (a removed tag, or a rejected suggestion) says it is wrong.
- :func:`replace_suggestions` keeps the review queue: the model's pending suggestions of a
  story are replaced when it is re-tagged; a tag an editor has decided is never suggested
  again. :func:`decide` confirms or rejects one suggestion, recording the override (the label)
  and marking the suggestion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select

from aggregator.store import audit, versions
from aggregator.store.db import session_scope
from aggregator.store.items import chunked
from aggregator.store.models import ItemRow, Sighting, TagModelRow, TagOverride, TagSuggestion
from aggregator.store.tags import TagStore
from aggregator.tagging.learned import LearnedModel
from aggregator.tagging.match import TextItem, normalise_language
from aggregator.tagging.training import Example
from aggregator.types import TagAssignment

RULES_VERSION = "rules"  # the content version every TaggerProvider watches
PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


def save_model(
    session: Session,
    model: LearnedModel,
    now: datetime,
    *,
    actor: str = "",
    metrics: Mapping[str, object] | None = None,
) -> int:
    """Store ``model`` as the newest version; returns its version number."""
    row = TagModelRow(
        trained_at=now,
        trained_by=actor,
        training_hash=str(model.info.get("training_hash", "")),
        digest=model.digest,
        examples=int(model.info.get("examples", 0)),
        metrics=dict(metrics or {}),
        model=model.to_json(),
    )
    session.add(row)
    session.flush()
    assert row.version is not None
    audit.record(
        session,
        actor=actor or "system",
        action="tag_model.save",
        entity_type="tag_model",
        entity_id=str(row.version),
        before=None,
        after={"digest": row.digest, "examples": row.examples, "tags": list(model.tags)},
        at=now,
    )
    versions.bump(session, now, RULES_VERSION)
    return row.version


def latest_model(session: Session) -> LearnedModel | None:
    """The newest stored model (its ``info["version"]`` set to the row's version), or None."""
    query = select(TagModelRow).order_by(col(TagModelRow.version).desc()).limit(1)
    row = session.exec(query).first()
    if row is None:
        return None
    model = LearnedModel.from_json(row.model)
    return LearnedModel(
        model.tags,
        model.intercepts,
        model.weights,
        model.thresholds,
        {**model.info, "version": str(row.version)},
    )


def model_versions(session: Session) -> list[TagModelRow]:
    return list(session.exec(select(TagModelRow).order_by(col(TagModelRow.version).desc())))


def editor_examples(session: Session) -> list[Example]:
    """One training example per story an editor decided a tag of (see the module docstring)."""
    decisions: dict[int, dict[str, bool]] = defaultdict(dict)
    for override in session.exec(select(TagOverride)):
        decisions[override.item_id][override.tag_id] = override.action == "add"
    if not decisions:
        return []
    examples = []
    for chunk in chunked(sorted(decisions)):
        rows = session.exec(select(ItemRow).where(col(ItemRow.id).in_(chunk)))
        lists = _list_names(session, chunk)
        for row in rows:
            assert row.id is not None
            language = normalise_language(row.language)
            text = TextItem(
                row.title,
                row.summary,
                row.body_text,
                language,
                row.primary_source_id,
                url=row.url,
                list_name=lists.get(row.id, ""),
            )
            examples.append(Example(f"story-{row.id}", text, decisions[row.id], "", language))
    return examples


def _list_names(session: Session, item_ids: Sequence[int]) -> dict[int, str]:
    query = select(Sighting.item_id, Sighting.list_name).where(col(Sighting.item_id).in_(item_ids))
    found: dict[int, str] = {}
    for item_id, list_name in session.exec(query.order_by(col(Sighting.id))):
        found.setdefault(item_id, list_name)
    return found


def replace_suggestions(
    session: Session, suggestions: Mapping[int, Sequence[TagAssignment]], now: datetime
) -> None:
    """The stories' pending suggestions become ``suggestions`` (decided tags are skipped)."""
    ids = list(suggestions)
    if not ids:
        return
    decided: set[tuple[int, str]] = set()
    for chunk in chunked(ids):
        session.exec(
            delete(TagSuggestion).where(
                col(TagSuggestion.item_id).in_(chunk), col(TagSuggestion.status) == PENDING
            )
        )
        decided.update(
            session.exec(
                select(TagSuggestion.item_id, TagSuggestion.tag_id).where(
                    col(TagSuggestion.item_id).in_(chunk)
                )
            )
        )
        decided.update(
            session.exec(
                select(TagOverride.item_id, TagOverride.tag_id).where(
                    col(TagOverride.item_id).in_(chunk)
                )
            )
        )
    for item_id, assignments in suggestions.items():
        for assignment in assignments:
            if (item_id, assignment.tag_id) in decided:
                continue
            decided.add((item_id, assignment.tag_id))
            session.add(
                TagSuggestion(
                    item_id=item_id,
                    tag_id=assignment.tag_id,
                    probability=round(assignment.probability, 4),
                    words=list(assignment.words),
                    model_version=assignment.model,
                    suggested_at=now,
                )
            )
    session.flush()


@dataclass(frozen=True, slots=True)
class SuggestionView:
    """One pending suggestion with the story it is for, for the review queue."""

    item_id: int
    title: str
    summary: str
    url: str
    language: str
    tag_id: str
    probability: float
    words: tuple[str, ...]
    suggested_at: datetime

    @property
    def percent(self) -> str:
        return f"{self.probability * 100:.0f} %"


def pending_suggestions(session: Session, limit: int = 100) -> list[SuggestionView]:
    """Pending suggestions, most probable first."""
    query = (
        select(TagSuggestion, ItemRow)
        .join(ItemRow, col(ItemRow.id) == col(TagSuggestion.item_id))
        .where(col(TagSuggestion.status) == PENDING)
        .order_by(col(TagSuggestion.probability).desc(), col(TagSuggestion.item_id))
        .limit(limit)
    )
    return [
        SuggestionView(
            s.item_id,
            item.title,
            item.summary,
            item.url,
            item.language,
            s.tag_id,
            s.probability,
            tuple(s.words or ()),
            s.suggested_at,
        )
        for s, item in session.exec(query)
    ]


def count_pending(session: Session) -> int:
    query = (
        select(func.count()).select_from(TagSuggestion).where(col(TagSuggestion.status) == PENDING)
    )
    return int(session.exec(query).one())


def decide(
    session: Session, item_id: int, tag_id: str, confirm: bool, admin: str, now: datetime
) -> bool:
    """Confirm (the tag is added) or reject (it is kept off) a pending suggestion.

    The decision is stored as a tag override, so it survives re-tagging and is a label for the
    next training; False when there is no such pending suggestion.
    """
    row = session.get(TagSuggestion, (item_id, tag_id))
    if row is None or row.status != PENDING:
        return False
    row.status = CONFIRMED if confirm else REJECTED
    row.decided_by, row.decided_at = admin, now
    session.add(row)
    note = "suggestion confirmed" if confirm else "suggestion rejected"
    TagStore(session).set_override(
        item_id, tag_id, "add" if confirm else "remove", admin, now, note
    )
    return True


def suggestions_of(session: Session, item_ids: Iterable[int]) -> dict[int, list[TagSuggestion]]:
    found: dict[int, list[TagSuggestion]] = defaultdict(list)
    for chunk in chunked(list(item_ids)):
        for row in session.exec(select(TagSuggestion).where(col(TagSuggestion.item_id).in_(chunk))):
            found[row.item_id].append(row)
    return found


def read_editor_examples(engine: Engine) -> list[Example]:
    """:func:`editor_examples` in a session of its own."""
    with session_scope(engine) as session:
        return editor_examples(session)


def store_model(
    engine: Engine,
    model: LearnedModel,
    now: datetime,
    *,
    actor: str = "",
    metrics: Mapping[str, object] | None = None,
) -> int:
    """:func:`save_model` in a transaction of its own; returns the version number."""
    with session_scope(engine) as session:
        return save_model(session, model, now, actor=actor, metrics=metrics)
