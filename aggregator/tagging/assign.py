"""Which tags a story gets: the rules on its text plus the tags its sources imply (pure).

A story first seen in the main news list and then in "Uutisia viranomaisille" gets that list's
audience too: the source-implied tags of EVERY source that carried it count. The store merges
the result with the admins' overrides (:meth:`aggregator.store.tags.TagStore.apply_many`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aggregator.tagging.match import Tagger, TextItem
from aggregator.tagging.rules import Rule
from aggregator.types import TagAssignment, TagOrigin


def source_assignments(tagger: Tagger, source_ids: Iterable[str]) -> list[TagAssignment]:
    """The tags the given sources imply, each with "from source X" as its reason."""
    found = []
    for source_id in dict.fromkeys(source_ids):
        for tag_id in tagger.source_defaults.get(source_id, ()):
            kind = tagger.taxonomy.kind_of(tag_id)
            if kind is not None:
                found.append(TagAssignment(tag_id, kind, TagOrigin.SOURCE, source_id=source_id))
    return found


def assess(
    tagger: Tagger, text: TextItem, source_ids: Sequence[str]
) -> tuple[list[TagAssignment], list[TagAssignment]]:
    """(tags, model suggestions) of a story: the rules and the learned model (when the tagger
    has one) on its text, with the list it was first seen in, plus the defaults of every source
    that carried it."""
    tagging = tagger.assess(text)
    by_text = [a for a in tagging.assignments if a.origin is not TagOrigin.SOURCE]
    return by_text + source_assignments(tagger, source_ids), tagging.suggestions


def with_rule(tagger: Tagger, draft: Rule) -> Tagger:
    """``tagger`` with ``draft`` added, or replacing the rule of the same id."""
    rules = [rule for rule in tagger.rules if rule.id != draft.id]
    return Tagger(
        tagger.taxonomy,
        [*rules, draft],
        tagger.morphology,
        tagger.source_defaults,
        masked_phrases=tagger.masked_phrases,
        model=tagger.model,
    )
