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
    return [
        assignment
        for source_id in dict.fromkeys(source_ids)
        for assignment in tagger.source_reasons(source_id)
    ]


def assess(
    tagger: Tagger, text: TextItem, source_ids: Sequence[str]
) -> tuple[list[TagAssignment], list[TagAssignment]]:
    """(tags, model suggestions) of a story: the rules and the learned model (when the tagger
    has one) on its text, with the list it was first seen in, plus the defaults of every source
    that carried it."""
    tagging = tagger.assess(text)
    by_text = [a for a in tagging.assignments if a.origin is not TagOrigin.SOURCE]
    return by_text + source_assignments(tagger, source_ids), tagging.suggestions


def assess_versions(
    tagger: Tagger, texts: Sequence[TextItem], source_ids: Sequence[str]
) -> tuple[list[TagAssignment], list[TagAssignment]]:
    """(tags, suggestions) of a story in several languages: :func:`assess` of its first text,
    and every tag another language version adds (the union; each tag once, the first reason
    kept), with the defaults of every source once."""
    tags, suggested = assess(tagger, texts[0], source_ids)
    for text in texts[1:]:
        tagging = tagger.assess(text)
        have = {a.tag_id for a in tags}
        tags.extend(
            a
            for a in tagging.assignments
            if a.origin is not TagOrigin.SOURCE and a.tag_id not in have
        )
        offered = {a.tag_id for a in tags} | {a.tag_id for a in suggested}
        suggested.extend(a for a in tagging.suggestions if a.tag_id not in offered)
    return tags, suggested


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
