"""Tagging rules: plain records, validated on save, skipped (and logged) when broken at run time.

A rule gives one tag (an audience or topic id of the taxonomy) to an item whose text matches
its terms. As a record (TOML table, JSON object, database row)::

    id = "municipalities-refugees-fi"        # unique slug
    tag = "municipalities"                   # taxonomy id
    all = ["kunta"]                          # every one must match
    any = ["pakolainen", "kuntaan osoittaminen"]  # at least one must match
    none = ["tietyö"]                        # any match vetoes this rule
    fields = ["title", "summary", "body"]    # default: all three
    languages = ["fi"]                       # default (or []): every language
    sources = []                             # default (or []): every source
    enabled = true
    description = "Why this rule exists"

``any``, ``all`` and ``none`` may each be left out, but an explicitly empty one is refused as a
likely mistake (and :meth:`Rule.to_dict` leaves empty ones out).

An ``all`` entry may list alternatives separated by ``|``; the entry is satisfied when one of
them matches, so a rule can require one word of each of two lists::

    fields = ["title"]
    all = ["tapahtuma | seminaari | webinaari"]     # an event named in the title
    any = ["kotoutuminen", "pakolainen"]             # ... of the integration field

Only ``all`` entries take alternatives (in ``any`` each term is already an alternative; a
``none`` term vetoes on its own). Records stay plain lists of strings.

Terms are written in base form; every inflection and compound matches (see
:mod:`aggregator.tagging.terms`). A multi-word term matches consecutive words. Terms are
analysed in the item's language, so one rule may list Finnish, Swedish and English terms.

Precedence (how the tagger combines rules; the store applies the last step):

1. A rule is considered only when it is ``enabled``, its tag is in the taxonomy, and the
   item's language and source pass its ``languages`` and ``sources`` filters.
2. Terms are looked for only in the rule's ``fields``.
3. A ``none`` term that matches vetoes *that rule* only; other rules may still give the tag.
4. Otherwise the rule fires when at least one ``any`` term matches (or ``any`` is empty) and
   every ``all`` entry matches (one of its alternatives); ``any`` and ``all`` may not both be
   empty.
5. Several rules may give the same tag; each firing rule is a separate reason (``why``).
6. Source-implied tags (``config/sources.toml`` ``audiences``/``topics`` of the item's source)
   are added as well; rules never remove them.
7. A rule that raises while being evaluated is logged and skipped; the item is still tagged
   by the other rules.
8. Admin overrides, applied later by the store, beat everything above (add or remove).

Besides the rules, ``rules.toml`` has ``masked_phrases``: names (mostly organisations) whose words
never count as matches for any rule, e.g. "Ministry of Economic Affairs and Employment" (not
about employment) or "Kuntamarkkinat" (a fair, not a municipality). See
:mod:`aggregator.tagging.terms`.

:func:`check_rule` returns every error and warning for the web UI; :func:`validate_rule`
raises :class:`~aggregator.errors.RuleError` with all errors in its message. Reading the files
is :mod:`aggregator.tagging.loading`'s job.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aggregator.errors import RuleError
from aggregator.tagging.morphology import Morphology, is_acronym, tokenize
from aggregator.tagging.taxonomy import Taxonomy

log = logging.getLogger(__name__)

FIELDS: tuple[str, ...] = ("title", "summary", "body")
TERM_LISTS: tuple[str, ...] = ("any", "all", "none")
RULE_KEYS: tuple[str, ...] = (
    "id", "tag", *TERM_LISTS, "fields", "languages", "sources", "enabled", "description",
)  # fmt: skip
RULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
SOURCE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
REGEX_CHARS = frozenset("*?+[](){}|\\^$<>")
ALTERNATIVE = "|"  # separates the alternatives of one ``all`` entry
MAX_TERM_CHARS = 120
MAX_TERM_WORDS = 8
ANALYSED_LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True, slots=True)
class Rule:
    """A validated rule; see the module docstring for the meaning of each field."""

    id: str
    tag: str
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    fields: tuple[str, ...] = FIELDS
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    enabled: bool = True
    description: str = ""
    # Each ``all`` entry as its alternatives; computed once (matching asks for every item).
    all_groups: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all_groups", tuple(alternatives(e) for e in self.all))

    def applies_to(self, language: str, source_id: str) -> bool:
        """The language and source filters (an empty filter lets everything through)."""
        return (not self.languages or language in self.languages) and (
            not self.sources or source_id in self.sources
        )

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term the rule looks for (the alternatives of ``all`` entries one by one)."""
        return self.any + tuple(term for group in self.all_groups for term in group) + self.none

    def to_dict(self) -> dict[str, Any]:
        """The record; :func:`validate_rule` gives the same rule back.

        Empty term lists are left out (an explicitly empty list is refused as a likely
        mistake); every other key is present.
        """
        record: dict[str, Any] = {"id": self.id, "tag": self.tag}
        for key in TERM_LISTS:
            terms = getattr(self, key)
            if terms:
                record[key] = list(terms)
        record.update(
            fields=list(self.fields),
            languages=list(self.languages),
            sources=list(self.sources),
            enabled=self.enabled,
            description=self.description,
        )
        return record


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """The outcome of checking one record: the rule when valid, and every problem found."""

    rule: Rule | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(slots=True)
class _Checker:
    """Collects errors while reading one record, so the admin sees them all at once."""

    data: Mapping[str, Any]
    errors: list[str] = field(default_factory=list)

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key, "")
        if not isinstance(value, str):
            self.errors.append(f"{key!r} must be a string, not {type(value).__name__}")
            return ""
        if required and not value.strip():
            self.errors.append(f"{key!r} is missing or empty")
        return value.strip()

    def strings(self, key: str) -> tuple[str, ...] | None:
        """The list under ``key`` (whitespace normalised); None when absent or not a list."""
        if key not in self.data:
            return None
        value = self.data[key]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            self.errors.append(f"{key!r} must be a list of strings")
            return None
        return tuple(" ".join(v.split()) for v in value)


def check_rule(
    data: Mapping[str, Any],
    *,
    taxonomy: Taxonomy,
    morphology: Morphology | None = None,
    taken_ids: Collection[str] = (),
) -> RuleCheck:
    """Every error and warning of one rule record (the web UI shows them all)."""
    if not isinstance(data, Mapping):
        return RuleCheck(None, (f"a rule must be a table/object, not {type(data).__name__}",))
    checker = _Checker(data)
    unknown = sorted(set(data) - set(RULE_KEYS))
    if unknown:
        checker.errors.append(f"unknown key(s) {unknown}; allowed: {', '.join(RULE_KEYS)}")
    rule = _read_rule(checker, taxonomy, taken_ids)
    if checker.errors:
        return RuleCheck(None, tuple(checker.errors))
    warnings = term_warnings(rule, morphology) if morphology else []
    warnings += _duplicate_term_warnings(rule)
    return RuleCheck(rule, (), tuple(warnings))


def validate_rule(
    data: Mapping[str, Any],
    *,
    taxonomy: Taxonomy,
    morphology: Morphology | None = None,
    taken_ids: Collection[str] = (),
) -> Rule:
    """The rule of a record, or :class:`RuleError` listing everything wrong with it.

    Warnings (a term no analyser knows, a term listed twice) do not refuse the rule; they are
    logged at WARNING. ``taken_ids`` are the ids of the other rules, for the duplicate check.
    """
    check = check_rule(data, taxonomy=taxonomy, morphology=morphology, taken_ids=taken_ids)
    rule_id = _rule_id_for_message(data)
    if check.rule is None:
        raise RuleError(rule_id, "; ".join(check.errors))
    for warning in check.warnings:
        log.warning("rule %r: %s", rule_id, warning)
    return check.rule


def _rule_id_for_message(data: Any) -> str:
    rule_id = data.get("id") if isinstance(data, Mapping) else None
    return rule_id if isinstance(rule_id, str) and rule_id else "?"


def _read_rule(checker: _Checker, taxonomy: Taxonomy, taken_ids: Collection[str]) -> Rule:
    rule_id = checker.text("id", required=True)
    if rule_id and not RULE_ID_RE.match(rule_id):
        checker.errors.append(f"id {rule_id!r} must be a lower-case slug (a-z, 0-9, . _ -)")
    if rule_id and rule_id in taken_ids:
        checker.errors.append(f"id {rule_id!r} is already used by another rule")
    tag = checker.text("tag", required=True)
    if tag and tag not in taxonomy:
        checker.errors.append(f"unknown tag id {tag!r}; known: {', '.join(taxonomy.ids)}")
    terms = {key: _read_terms(checker, key) for key in TERM_LISTS}
    _check_term_lists(checker, terms)
    enabled = checker.data.get("enabled", True)
    if not isinstance(enabled, bool):
        checker.errors.append("'enabled' must be true or false")
    return Rule(
        id=rule_id,
        tag=tag,
        any=terms["any"],
        all=terms["all"],
        none=terms["none"],
        fields=_read_fields(checker),
        languages=_read_codes(checker, "languages", LANGUAGE_RE, "a language code like 'fi'"),
        sources=_read_codes(checker, "sources", SOURCE_ID_RE, "a source id like 'keha-uutiset'"),
        enabled=bool(enabled),
        description=checker.text("description"),
    )


def alternatives(entry: str) -> tuple[str, ...]:
    """The alternatives of an ``all`` entry: ``"a | b"`` -> ``("a", "b")`` (spaces normalised)."""
    return tuple(" ".join(part.split()) for part in entry.split(ALTERNATIVE))


def _read_terms(checker: _Checker, key: str) -> tuple[str, ...]:
    terms = checker.strings(key)
    if terms is None:
        return ()
    if not terms:
        checker.errors.append(f"{key!r} is empty: list at least one term or leave the key out")
    read = []
    for term in terms:
        if key == "all" and ALTERNATIVE in term:
            parts = alternatives(term)
            for part in parts:
                problem = term_problem(part)
                if problem:
                    checker.errors.append(f"{key!r} term {term!r}: alternative {part!r} {problem}")
            read.append(f" {ALTERNATIVE} ".join(parts))
            continue
        problem = term_problem(term)
        if problem and set(term) & REGEX_CHARS == {ALTERNATIVE}:
            problem = (
                "lists alternatives ('|'), which only an 'all' entry may do; "
                "in 'any' and 'none' write each term on its own"
            )
        if problem:
            checker.errors.append(f"{key!r} term {term!r}: {problem}")
        read.append(term)
    return tuple(read)


def term_problem(term: str) -> str | None:
    """Why a term can never be a sensible term, or None."""
    if not term:
        return "is empty"
    if len(term) > MAX_TERM_CHARS:
        return f"is longer than {MAX_TERM_CHARS} characters"
    if REGEX_CHARS & set(term):
        return (
            "looks like a regular expression or wildcard; write the base form "
            "(e.g. 'kunta'): inflections and compounds match automatically"
        )
    words = tokenize(term)
    if not words:
        return "has no letters or digits"
    if len(words) > MAX_TERM_WORDS:
        return f"has more than {MAX_TERM_WORDS} words"
    return None


def _check_term_lists(checker: _Checker, terms: Mapping[str, tuple[str, ...]]) -> None:
    if not terms["any"] and not terms["all"]:
        checker.errors.append("a rule needs at least one term in 'any' or 'all'")
    expanded_all = [part for entry in terms["all"] for part in alternatives(entry)]
    positive = {t.lower() for t in [*terms["any"], *expanded_all]}
    for term in terms["none"]:
        if term.lower() in positive:
            checker.errors.append(f"term {term!r} is both required and vetoed ('none')")


def _read_fields(checker: _Checker) -> tuple[str, ...]:
    fields = checker.strings("fields")
    if fields is None:
        return FIELDS
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        checker.errors.append(f"unknown field(s) {unknown}; allowed: {', '.join(FIELDS)}")
    elif not fields:
        checker.errors.append("'fields' is empty: list title, summary and/or body")
    elif len(set(fields)) != len(fields):
        checker.errors.append("'fields' lists a field twice")
    return tuple(f for f in FIELDS if f in fields)


def _read_codes(
    checker: _Checker, key: str, pattern: re.Pattern[str], what: str
) -> tuple[str, ...]:
    codes = checker.strings(key) or ()
    bad = [code for code in codes if not pattern.match(code)]
    if bad:
        checker.errors.append(f"{key!r}: {bad} is not {what}")
    return codes


def term_warnings(rule: Rule, morphology: Morphology) -> list[str]:
    """Words of the rule's terms that no analyser of its languages knows (acronyms excepted).

    Such a word still matches, but only as written (no inflections), so it is usually a typo
    ("kuntapaika") or a name that needs its inflected forms listed.
    """
    languages = [
        lang for lang in rule.languages or ANALYSED_LANGUAGES if lang in morphology.languages
    ]
    warnings: list[str] = []
    for term in rule.terms:
        for word in tokenize(term):
            if _word_is_known(word, languages, morphology):
                continue
            warnings.append(
                f"term {term!r}: {word!r} is not a word the {morphology.backend}/simplemma "
                "analysers know and not an acronym, so only that exact form will match"
            )
    return warnings


def _word_is_known(word: str, languages: Iterable[str], morphology: Morphology) -> bool:
    if word.isdigit() or is_acronym(word):
        return True
    return any(morphology.analyse(word, language).known for language in languages)


def _duplicate_term_warnings(rule: Rule) -> list[str]:
    seen: set[str] = set()
    warnings = []
    for term in rule.terms:
        if term.lower() in seen:
            warnings.append(f"term {term!r} is listed twice")
        seen.add(term.lower())
    return warnings
