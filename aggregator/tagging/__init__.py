"""Tagging: which audiences and topics a news item has, and why (pure: no I/O but config files).

The stage's public API; the modules say how it works:

- :mod:`.taxonomy`: the tag vocabulary (``config/taxonomy.toml``);
- :mod:`.morphology`, :mod:`.finnish`, :mod:`.lemmas`: words, base forms, compound parts;
- :mod:`.rules`: rule records, validation and precedence; :mod:`.loading`: the config files;
- :mod:`.terms`: matching terms in text; :mod:`.match`: the :class:`Tagger`;
- :mod:`.classify`: the ``aggregator classify`` JSON-lines filter.
"""

from aggregator.tagging.classify import (
    ClassifyStats,
    classify_record,
    classify_stream,
    summarise,
)
from aggregator.tagging.loading import (
    check_masked_phrase,
    load_masked_phrases,
    load_rules,
    masked_phrases_from_list,
    read_source_defaults,
    rules_from_records,
    rules_to_records,
)
from aggregator.tagging.match import (
    TaggableText,
    Tagger,
    TextItem,
    evaluate_rule,
    load_default_tagger,
)
from aggregator.tagging.morphology import Morphology, WordForm, create_morphology, tokenize
from aggregator.tagging.rules import FIELDS, Rule, RuleCheck, check_rule, validate_rule
from aggregator.tagging.taxonomy import (
    TagDefinition,
    Taxonomy,
    load_taxonomy,
    taxonomy_from_dict,
)

__all__ = [
    "FIELDS",
    "ClassifyStats",
    "Morphology",
    "Rule",
    "RuleCheck",
    "TagDefinition",
    "TaggableText",
    "Tagger",
    "Taxonomy",
    "TextItem",
    "WordForm",
    "check_masked_phrase",
    "check_rule",
    "classify_record",
    "classify_stream",
    "create_morphology",
    "evaluate_rule",
    "load_default_tagger",
    "load_masked_phrases",
    "load_rules",
    "load_taxonomy",
    "masked_phrases_from_list",
    "read_source_defaults",
    "rules_from_records",
    "rules_to_records",
    "summarise",
    "taxonomy_from_dict",
    "tokenize",
    "validate_rule",
]
