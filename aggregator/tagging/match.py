"""The tagger: an item's text in, its audiences and topics out, each with the reason why.

``Tagger(taxonomy, rules, morphology, source_defaults, model=...).tag(item)`` returns
:class:`~aggregator.types.TagAssignment` records: one per firing rule (with the words that
matched, per field), one per source-implied tag, and, when a learned model is given
(:mod:`aggregator.tagging.learned`), one per tag that neither a rule nor the source gave and
whose probability reaches the model's upper threshold (with the words that weighed most).
:meth:`Tagger.assess` also returns the model's *suggestions*: tags between its lower and upper
threshold, which an editor confirms or rejects. Rules keep precedence: the model never adds a
reason to a tag a rule or source gave. The rule precedence is documented in
:mod:`aggregator.tagging.rules`; admin overrides are the store's job and come on top of all.

Each field is tokenised once and each distinct token analysed once (LRU-cached in the
:class:`~aggregator.tagging.morphology.Morphology`); the terms of all rules are indexed per
language, and the index remembers what each distinct token starts, so the cost per item is
one dictionary probe per word, not one pass per rule (see :class:`TermIndex`; the words are
analysed for the model only when there is one). Rules whose terms were not found at all are
rejected by a set check before being evaluated per field. The rules are evaluated once per
distinct (language, source, matched words of each field): items that matched the same words
get the same reasons, and a firing rule's reason is shared by every item it fired on with the
same matches (reasons are immutable), so a crawl keeps a few hundred reasons alive rather than
one per item and match.

Output order is deterministic: audiences before topics, tags in taxonomy order, rule reasons
(by rule id) before model and source reasons. The model's scoring is pure arithmetic on stored
weights, so retagging with the same model gives the same tags.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aggregator.tagging.learned import LearnedModel, lead_text
from aggregator.tagging.loading import load_masked_phrases, load_rules, read_source_defaults
from aggregator.tagging.morphology import Morphology, WordForm, create_morphology
from aggregator.tagging.rules import FIELDS, Rule
from aggregator.tagging.taxonomy import Taxonomy, load_taxonomy
from aggregator.tagging.terms import TermIndex
from aggregator.types import Match, TagAssignment, TagKind, TagOrigin

log = logging.getLogger(__name__)

KIND_ORDER = {TagKind.AUDIENCE: 0, TagKind.TOPIC: 1}
ORIGIN_ORDER = {TagOrigin.RULE: 0, TagOrigin.MODEL: 1, TagOrigin.SOURCE: 2, TagOrigin.ADMIN: 3}
FieldHits = Mapping[str, Mapping[str, Sequence[str]]]
# One match of a rule as plain data: (field, term, the distinct words that matched it).
MatchKey = tuple[str, str, tuple[str, ...]]
# Distinct rule reasons a tagger remembers before it starts afresh (see Tagger._apply).
MAX_REMEMBERED_REASONS = 50_000


class TaggableText(Protocol):
    """What the tagger reads from an item (:class:`~aggregator.types.Item` and RawItem fit)."""

    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def body_text(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def source_id(self) -> str: ...


class VersionText(TaggableText, Protocol):
    """One language version of a story as crawled or stored (a TextItem fits too)."""

    @property
    def url(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TextItem:
    """A plain :class:`TaggableText`, for callers that have loose strings (classify, tests)."""

    title: str = ""
    summary: str = ""
    body_text: str = ""
    language: str = "fi"
    source_id: str = ""
    url: str = ""
    list_name: str = ""

    @classmethod
    def story_texts(cls, versions: Sequence[VersionText], list_name: str) -> list[TextItem]:
        """What the tagger reads of a story: each language version's text (its own first),
        every one with the list the story was first seen in (the crawl and retagging agree)."""
        return [
            cls(v.title, v.summary, v.body_text, v.language, v.source_id, v.url, list_name)
            for v in versions
        ]


@dataclass(frozen=True, slots=True)
class Tagging:
    """What the tagger says about one item: its tags, and the model's suggested tags."""

    assignments: list[TagAssignment]
    suggestions: list[TagAssignment]


def field_texts(item: TaggableText) -> dict[str, str]:
    """Rule field name -> the item's text (rules say ``body`` for ``body_text``)."""
    return {"title": item.title or "", "summary": item.summary or "", "body": item.body_text or ""}


def normalise_language(language: str | None) -> str:
    """``fi-FI``, ``FI`` -> ``fi``; missing -> ``fi`` (most sources are Finnish)."""
    return (language or "fi").split("-")[0].split("_")[0].strip().lower() or "fi"


class Tagger:
    """Applies rules and source defaults to items; see the module docstring."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        rules: Iterable[Rule],
        morphology: Morphology,
        source_defaults: Mapping[str, Iterable[str]] | None = None,
        *,
        masked_phrases: Iterable[str] = (),
        model: LearnedModel | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.model = model
        self._model_tags = (
            frozenset(tag for tag in model.tags if tag in taxonomy) if model else frozenset()
        )
        self.morphology = morphology
        self.masked_phrases: tuple[str, ...] = tuple(masked_phrases)
        self.rules: tuple[Rule, ...] = tuple(sorted(self._usable(rules), key=lambda r: r.id))
        self.source_defaults = self._usable_defaults(source_defaults or {})
        self._plans: dict[str, _LanguagePlan] = {}
        self._reported: set[tuple[str, str]] = set()
        # (rule id, its matches) -> the reason, shared by every item it holds for: news
        # repeat their words, and one shared immutable reason is cheaper than thousands
        self._reasons: dict[tuple[str, tuple[MatchKey, ...]], TagAssignment] = {}
        # (language, source, what each field matched) -> the reasons of the rules and source
        self._by_matches: dict[tuple[Any, ...], tuple[TagAssignment, ...]] = {}
        self._by_source = {
            source_id: tuple(
                TagAssignment(tag, self._kind(tag), TagOrigin.SOURCE, source_id=source_id)
                for tag in tags
            )
            for source_id, tags in self.source_defaults.items()
        }
        self._known_languages = {
            *morphology.languages,
            *(x for r in self.rules for x in r.languages),
        }

    def _usable(self, rules: Iterable[Rule]) -> Iterable[Rule]:
        for rule in rules:
            if rule.tag not in self.taxonomy:
                log.error(
                    "tagging rule %r: tag %r is not in the taxonomy; skipped", rule.id, rule.tag
                )
            elif rule.enabled:
                yield rule

    def _usable_defaults(self, defaults: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
        usable: dict[str, tuple[str, ...]] = {}
        for source_id, source_tags in defaults.items():
            tags = tuple(source_tags)
            known = [tag for tag in tags if tag in self.taxonomy]
            for tag in set(tags) - set(known):
                log.error(
                    "source %r: default tag %r is not in the taxonomy; ignored", source_id, tag
                )
            usable[source_id] = tuple(dict.fromkeys(known))
        return usable

    def tag(self, item: TaggableText) -> list[TagAssignment]:
        """Every tag of ``item`` with its reasons, in deterministic order."""
        return self.assess(item).assignments

    def assess(self, item: TaggableText) -> Tagging:
        """The item's tags (rules, source defaults, model) and the model's suggestions."""
        language = self._language_of(item)
        plan = self._plan(language)
        texts = field_texts(item)
        words = self._model_words(texts, language) if self.model is not None else {}
        hits = {field: self._find(plan, texts, words, field) for field in plan.fields}
        assignments = list(self._text_reasons(plan, hits, item.source_id, language))
        if self.model is None:
            return Tagging(assignments, [])
        suggestions: list[TagAssignment] = []
        given = {assignment.tag_id for assignment in assignments}
        for decision, assignment in self._model_assignments(item, words, given):
            (assignments if decision == "tag" else suggestions).append(assignment)
        return Tagging(sorted(assignments, key=self._order), sorted(suggestions, key=self._order))

    def _text_reasons(
        self, plan: _LanguagePlan, hits: FieldHits, source_id: str, language: str
    ) -> tuple[TagAssignment, ...]:
        """The firing rules' and the source's reasons, in output order. Remembered by what
        was matched: items that matched the same words get the same reasons, evaluated once."""
        key = (language, source_id, *(_content(hits[field]) for field in plan.fields))
        reasons = self._by_matches.get(key)
        if reasons is None:
            hit_terms = set().union(*hits.values())
            fired = (
                self._apply(planned.rule, hits, language)
                for planned in plan.rules_hit_by(hit_terms)
                if planned.could_fire(hit_terms, source_id)
            )
            found = [reason for reason in fired if reason is not None]
            found += self.source_reasons(source_id)
            reasons = tuple(sorted(found, key=self._order))
            if len(self._by_matches) >= MAX_REMEMBERED_REASONS:
                self._by_matches.clear()
            self._by_matches[key] = reasons
        return reasons

    @staticmethod
    def _find(
        plan: _LanguagePlan,
        texts: Mapping[str, str],
        words: Mapping[str, list[tuple[str, WordForm]]],
        field: str,
    ) -> Mapping[str, list[str]]:
        """The field's hits, from its words when the model had them analysed already."""
        if field in words:
            return plan.index.find(words[field]) if words[field] else {}
        return plan.index.find_text(texts[field]) if texts[field] else {}

    def _model_words(
        self, texts: Mapping[str, str], language: str
    ) -> dict[str, list[tuple[str, WordForm]]]:
        """Title and summary -> their analysed words, which the model reads."""
        analyse_text = self.morphology.analyse_text
        return {
            field: analyse_text(texts[field], language) if texts[field] else []
            for field in ("title", "summary")
        }

    def _model_assignments(
        self,
        item: TaggableText,
        words: Mapping[str, list[tuple[str, WordForm]]],
        given: set[str],
    ) -> list[tuple[str, TagAssignment]]:
        """The model's ("tag" | "suggest", assignment) for tags no rule or source gave."""
        assert self.model is not None
        lead = words.get("summary", [])
        if not lead and item.body_text:
            language = self._language_of(item)
            lead = self.morphology.analyse_text(lead_text("", item.body_text), language)
        features = self.model.known_features(
            words.get("title", []),
            lead,
            language=normalise_language(item.language),
            url=getattr(item, "url", "") or "",
            source_id=item.source_id,
            list_name=getattr(item, "list_name", "") or "",
        )
        version = str(self.model.info.get("version", ""))
        return [
            (
                score.decision,
                TagAssignment(
                    score.tag_id,
                    self.taxonomy.kind_of(score.tag_id) or TagKind.TOPIC,
                    TagOrigin.MODEL,
                    model=version,
                    probability=score.probability,
                    words=score.words,
                ),
            )
            for score in self.model.score(features, skip=given)
            if score.decision != "none"
            and score.tag_id in self._model_tags
            and score.tag_id not in given
        ]

    def _language_of(self, item: TaggableText) -> str:
        """The item's language code; "" for one no analyser or rule knows (matched as written).

        Sharing one plan for all unknown codes keeps hostile input from growing the tagger.
        """
        language = normalise_language(item.language)
        return language if language in self._known_languages else ""

    def _apply(self, rule: Rule, hits: FieldHits, language: str) -> TagAssignment | None:
        """The rule's reason when it fires on these hits (an equal earlier one when there is
        one: reasons are immutable), else None."""
        try:
            matched = rule_matches(rule, hits)
        except Exception:  # one broken rule must never stop the tagging of an item
            self._report_once(rule.id, language)
            return None
        if matched is None:
            return None
        key = (rule.id, matched)
        reason = self._reasons.get(key)
        if reason is None:
            if len(self._reasons) >= MAX_REMEMBERED_REASONS:
                self._reasons.clear()
            matches = tuple(Match(*match) for match in matched)
            reason = TagAssignment(
                rule.tag, self._kind(rule.tag), TagOrigin.RULE, rule_id=rule.id, matches=matches
            )
            self._reasons[key] = reason
        return reason

    def _kind(self, tag_id: str) -> TagKind:
        return self.taxonomy.kind_of(tag_id) or TagKind.TOPIC

    def _report_once(self, rule_id: str, language: str) -> None:
        if (rule_id, language) not in self._reported:
            self._reported.add((rule_id, language))
            log.exception("tagging rule %r failed on a %r item; skipped", rule_id, language)

    def source_reasons(self, source_id: str) -> tuple[TagAssignment, ...]:
        """The tags the source implies, each with "from source X" as its reason."""
        return self._by_source.get(source_id, ())

    def _order(self, assignment: TagAssignment) -> tuple[int, int, int, str]:
        return (
            KIND_ORDER[assignment.kind],
            self.taxonomy.position(assignment.tag_id),
            ORIGIN_ORDER[assignment.origin],
            assignment.rule_id,
        )

    def _plan(self, language: str) -> _LanguagePlan:
        plan = self._plans.get(language)
        if plan is None:
            plan = self._plans[language] = self._make_plan(language)
        return plan

    def _make_plan(self, language: str) -> _LanguagePlan:
        rules = [r for r in self.rules if not r.languages or language in r.languages]
        terms = (term for rule in rules for term in rule.terms)
        index = TermIndex(terms, language, self.morphology, self.masked_phrases)
        usable = []
        for rule in rules:
            broken = [term for term in rule.terms if term in index.broken]
            if broken:
                log.error(
                    "tagging rule %r skipped for %r items: term(s) %s cannot be analysed",
                    rule.id, language, broken,
                )  # fmt: skip
                continue
            groups = tuple(frozenset(group) for group in rule.all_groups)
            usable.append(_PlannedRule(rule, frozenset(rule.any), groups))
        fields = tuple(f for f in FIELDS if any(f in r.fields for r in rules))
        return _LanguagePlan(index, tuple(usable), fields)


@dataclass(frozen=True, slots=True)
class _PlannedRule:
    """A rule with its term sets, for a cheap "can it fire at all" check before evaluating."""

    rule: Rule
    any_terms: frozenset[str]
    all_groups: tuple[frozenset[str], ...]

    def could_fire(self, hit_terms: set[str], source_id: str) -> bool:
        """False when no field can satisfy the rule (it may still fail on its own fields)."""
        if self.rule.sources and source_id not in self.rule.sources:
            return False
        if self.any_terms and self.any_terms.isdisjoint(hit_terms):
            return False
        return all(not group.isdisjoint(hit_terms) for group in self.all_groups)


@dataclass(frozen=True, slots=True)
class _LanguagePlan:
    """What tagging an item in one language needs, built on the first such item."""

    index: TermIndex
    rules: tuple[_PlannedRule, ...]
    fields: tuple[str, ...]
    # Rule positions by the terms that can make them fire; rules with no such term (they
    # fire on what no text has, or on nothing at all) are in every answer.
    _by_term: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _always: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_term: dict[str, list[int]] = {}
        always = set()
        for position, planned in enumerate(self.rules):
            terms = planned.any_terms.union(*planned.all_groups)
            if not terms:
                always.add(position)
            for term in terms:
                by_term.setdefault(term, []).append(position)
        object.__setattr__(self, "_by_term", {t: tuple(p) for t, p in by_term.items()})
        object.__setattr__(self, "_always", frozenset(always))

    def rules_hit_by(self, hit_terms: set[str]) -> list[_PlannedRule]:
        """The rules, in order, that have a hit term or none at all: every other rule has
        a term set that no hit meets, so :meth:`_PlannedRule.could_fire` is False for it."""
        positions = set(self._always)
        for term in hit_terms:
            positions.update(self._by_term.get(term, ()))
        return [self.rules[position] for position in sorted(positions)]


def _content(hits: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """One field's hits as a hashable value."""
    return tuple([(term, tuple(words)) for term, words in hits.items()])


def evaluate_rule(rule: Rule, hits: FieldHits) -> tuple[Match, ...] | None:
    """The rule's matches when it fires on these field hits, else None (precedence 2-4).

    ``hits`` maps each field the rule reads to {term: matched words}.
    """
    matched = rule_matches(rule, hits)
    return None if matched is None else tuple(Match(*match) for match in matched)


def rule_matches(rule: Rule, hits: FieldHits) -> tuple[MatchKey, ...] | None:
    """:func:`evaluate_rule` as plain tuples (field, term, distinct matched words)."""

    present = {term for field in rule.fields for term in hits[field]}

    def found(term: str) -> list[MatchKey]:
        return [
            (field, term, tuple(dict.fromkeys(hits[field][term])))
            for field in rule.fields
            if term in hits[field]
        ]

    if any(term in present for term in rule.none):
        return None
    required = [
        [match for term in group if term in present for match in found(term)]
        for group in rule.all_groups
    ]
    if not all(required):
        return None
    optional = [found(term) for term in rule.any if term in present]
    if rule.any and not optional:
        return None
    return tuple(match for matches in required + optional for match in matches)


def load_default_tagger(
    config_dir: Path,
    *,
    morphology: Morphology | None = None,
    model: LearnedModel | None = None,
) -> Tagger:
    """The tagger of ``config/``: taxonomy.toml, rules.toml and the sources' default tags,
    with ``model`` as its learned layer (none by default)."""
    taxonomy = load_taxonomy(config_dir / "taxonomy.toml")
    morphology = morphology or create_morphology()
    rules_path = config_dir / "rules.toml"
    rules = load_rules(rules_path, taxonomy=taxonomy, morphology=morphology)
    defaults = read_source_defaults(config_dir / "sources.toml")
    masks = load_masked_phrases(rules_path)
    return Tagger(taxonomy, rules, morphology, defaults, masked_phrases=masks, model=model)
