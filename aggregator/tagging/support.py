"""How much labelled evidence each rule term stands on: the rule-support audit.

Rules were written looking at the development half, so a term that fires on one release of it
(one item, or the language versions of one release) may only have been memorised: it says
nothing about news the rules have not seen. :func:`term_support` tags every labelled example
with the rules alone and counts, per (rule, term), the distinct items and release groups the
term matched on in a firing rule, and how many of those carry the rule's tag (its precision
there). :func:`prune_rules` takes out the terms whose support is at least one but below a
minimum, so cross-validating the pruned rules (``aggregator tags evaluate --min-support 2``)
gives an estimate in which no item is tagged by a term that only fired on itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aggregator.tagging.match import Tagger
from aggregator.tagging.rules import ALTERNATIVE, Rule
from aggregator.tagging.training import Example
from aggregator.types import TagOrigin


@dataclass(slots=True)
class TermSupport:
    """Where one term of one rule fired on the labelled examples."""

    rule_id: str
    tag: str
    term: str
    items: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    right_items: set[str] = field(default_factory=set)  # items labelled with the rule's tag
    right_groups: set[str] = field(default_factory=set)

    @property
    def support(self) -> int:
        """Distinct release groups the term fired on (language versions count once)."""
        return len(self.groups)

    @property
    def precision(self) -> float:
        """Share of the items it fired on that carry the rule's tag."""
        return len(self.right_items) / len(self.items) if self.items else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "tag": self.tag,
            "term": self.term,
            "items": len(self.items),
            "groups": self.support,
            "right_items": len(self.right_items),
            "right_groups": len(self.right_groups),
            "precision": round(self.precision, 3),
        }


SupportTable = Mapping[tuple[str, str], TermSupport]  # (rule id, term) -> support


def term_support(tagger: Tagger, examples: Iterable[Example]) -> dict[tuple[str, str], TermSupport]:
    """Per (rule id, term): the examples its rule fired on with that term among the matches.

    ``tagger`` should have no model and no source defaults (this measures the rules' words).
    """
    table: dict[tuple[str, str], TermSupport] = {}
    for example in examples:
        for assignment in tagger.tag(example.item):
            if assignment.origin is not TagOrigin.RULE:
                continue
            right = bool(example.labels.get(assignment.tag_id))
            for term in dict.fromkeys(match.term for match in assignment.matches):
                key = (assignment.rule_id, term)
                entry = table.setdefault(
                    key, TermSupport(assignment.rule_id, assignment.tag_id, term)
                )
                entry.items.add(example.id)
                entry.groups.add(example.group)
                if right:
                    entry.right_items.add(example.id)
                    entry.right_groups.add(example.group)
    return table


def prune_rules(rules: Iterable[Rule], support: SupportTable, min_support: int) -> list[Rule]:
    """``rules`` without their terms that fired on fewer than ``min_support`` release groups
    (but on at least one: a term that never fired changes nothing on these examples).

    ``none`` terms stay (they only veto). A rule whose ``any`` list, or one of whose ``all``
    entries, loses every term is left out: it could only fire through memorised terms.
    """
    pruned = []
    for rule in rules:

        def kept(terms: Sequence[str], rule_id: str = rule.id) -> list[str]:
            return [t for t in terms if not 0 < _groups(support, rule_id, t) < min_support]

        any_terms = kept(rule.any)
        groups = [kept(group) for group in rule.all_groups]
        if (rule.any and not any_terms) or not all(groups):
            continue
        all_terms = tuple(f" {ALTERNATIVE} ".join(group) for group in groups)
        pruned.append(dataclasses.replace(rule, any=tuple(any_terms), all=all_terms))
    return pruned


def _groups(support: SupportTable, rule_id: str, term: str) -> int:
    entry = support.get((rule_id, term))
    return entry.support if entry else 0


def format_support(records: Iterable[Mapping[str, Any]], *, max_precision: float = 1.0) -> str:
    """The audit (:meth:`TermSupport.as_dict` records) as a table, weakest first: per tag,
    terms by support then precision; with ``max_precision`` below 1 only the terms at or
    under that precision and those that fired on one release group."""
    rows = sorted(
        (r for r in records if r["precision"] <= max_precision or r["groups"] < 2),
        key=lambda r: (r["tag"], r["groups"], r["precision"], r["rule"], r["term"]),
    )
    lines = [f"{'tag':15} {'groups':>6} {'items':>5} {'P':>5}  rule: term"]
    for r in rows:
        mark = "  (memorised)" if r["groups"] == 1 else ""
        lines.append(
            f"{r['tag']:15} {r['groups']:6} {r['items']:5} {r['precision']:5.2f}  "
            f"{r['rule']}: {r['term']}{mark}"
        )
    return "\n".join(lines)
