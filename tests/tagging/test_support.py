"""The less optimistic development estimates: folds that keep publisher lists whole, and the
rule-support audit that takes out rule terms which fired on a single release."""

from __future__ import annotations

from aggregator.tagging import TextItem
from aggregator.tagging.evaluation import fold_ids, publisher_groups
from aggregator.tagging.support import format_support, prune_rules, term_support
from aggregator.tagging.taxonomy import Taxonomy
from aggregator.tagging.training import Example
from tests.tagging.conftest import MakeTagger

RULE = {
    "id": "professionals-practice",
    "tag": "professionals",
    "all": ["pakolainen | flykting"],
    "any": ["tulkkaus", "opas", "tolkning"],
    "none": ["korvaus"],
}


def example(
    ident: str, title: str, on: bool, *, group: str = "", language: str = "fi", publisher: str = ""
) -> Example:
    item = TextItem(title=title, language=language)
    return Example(ident, item, {"professionals": on}, group or ident, language, publisher)


def test_support_counts_release_groups_once_and_precision_per_item(
    make_tagger: MakeTagger,
) -> None:
    examples = [
        example("a-fi", "Pakolaisten tulkkaus", True, group="a"),
        example("a-sv", "Tolkning för flyktingar", True, group="a", language="sv"),
        example("b", "Opas pakolaisten kanssa työskenteleville", True),
        example("c", "Pakolaisten opas kaupungille", False),
        example("d", "Pakolaisten tulkkauksen korvaus", True),  # vetoed: fires nowhere
    ]
    support = term_support(make_tagger(RULE), examples)
    guide = support[("professionals-practice", "opas")]
    assert (guide.support, len(guide.items), guide.precision) == (2, 2, 0.5)
    interpreting = support[("professionals-practice", "tulkkaus")]
    assert (interpreting.support, sorted(interpreting.items)) == (1, ["a-fi"])
    assert support[("professionals-practice", "pakolainen")].support == 3  # a, b, c
    assert support[("professionals-practice", "flykting")].support == 1
    table = format_support([s.as_dict() for s in support.values()])
    assert "professionals-practice: tulkkaus  (memorised)" in table
    assert "professionals-practice: opas  (memorised)" not in table


def test_pruning_drops_terms_of_one_release_and_rules_left_without_terms(
    make_tagger: MakeTagger,
) -> None:
    tagger = make_tagger(
        RULE,
        {"id": "professionals-once", "tag": "professionals", "any": ["verkosto"]},
    )
    examples = [
        example("a", "Pakolaisten tulkkaus", True),
        example("b", "Opas pakolaisille", True),
        example("c", "Pakolaisten opas", True),
        example("d", "Kotoutumisen verkosto", True),
    ]
    pruned = prune_rules(tagger.rules, term_support(tagger, examples), 2)
    [rule] = pruned  # "verkosto" fired once: its rule has nothing left
    assert rule.any == ("opas", "tolkning")  # "tolkning" never fired: it changes nothing here
    assert rule.all == ("pakolainen | flykting",)
    assert rule.none == ("korvaus",)
    assert prune_rules(tagger.rules, term_support(tagger, examples), 1) == list(tagger.rules)


def test_publisher_groups_join_a_publishers_lists_through_its_releases(
    taxonomy: Taxonomy,
) -> None:
    examples = [
        example("1", "a", True, group="r1", publisher="kotoutuminen.fi"),
        example("2", "b", False, group="r1", language="sv", publisher="kotoutuminen.fi/sv"),
        example("3", "c", False, publisher="kotoutuminen.fi/sv"),
        example("4", "d", True, publisher="hyvaks.fi"),
        example("5", "e", False, publisher="hyvaks.fi"),
        example("6", "f", True),
    ]
    groups = publisher_groups(examples)
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] == groups[4] != groups[0]
    assert len(set(groups)) == 3
    many = [example(str(n), "x", n % 3 == 0, publisher=f"publisher {n % 7}") for n in range(70)]
    folds = fold_ids(many, ["professionals"], 5, groups=publisher_groups(many))
    for publisher in {e.publisher for e in many}:
        assert len({f for e, f in zip(many, folds, strict=True) if e.publisher == publisher}) == 1
