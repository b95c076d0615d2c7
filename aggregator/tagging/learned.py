"""The learned layer beside the rules: features of an item, and a linear model scoring them.

The rules say *why* with the words they matched; the model catches what no rule names. It is
one logistic-regression classifier per tag (trained by :mod:`aggregator.tagging.training`,
which is the only place that imports scikit-learn), stored as plain data: per feature one
weight per tag, one intercept per tag, and per tag the two thresholds. Scoring is a sparse dot
product in pure Python, so tagging needs neither NumPy nor scikit-learn and the same model
gives the same probabilities on every machine (no pickle: the model file is JSON).

Features (all lower-cased strings, binary, the vector L2-normalised over the features the model
knows):

- ``w:<form>`` for every base form and compound part of every word of the title and summary
  (an item without a summary, such as a grant text, reads the first :data:`LEAD_CHARS`
  characters of its body instead: :func:`lead_text`)
  (voikko for Finnish: ``kuntapaikkoja`` gives ``kuntapaikka``, ``kunta``, ``paikka``;
  simplemma lemmas and Swedish compound readings otherwise); words no analyser knows give
  their lower-cased text; words shorter than :data:`MIN_WORD` letters, numbers and function
  words (:data:`STOP_WORDS`: "för", "that", "olla") give nothing;
- ``t:<form>`` the same for the title only (a title says what the item is about);
- ``lang:<code>``, ``host:<domain of the url>``, ``src:<source id>``, ``list:<list name>``.

A tag's probability is ``sigmoid(intercept + sum(weight) / sqrt(known features))``. At or above
the tag's ``upper`` threshold the model tags; from ``lower`` up to ``upper`` it suggests (an
editor confirms or rejects); below ``lower`` it says nothing. Its reason names the words whose
features weighed most for the tag.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from aggregator.tagging.morphology import WORD_CACHE_ENTRIES, WordForm

MODEL_FORMAT = 1
FEATURE_CACHE = WORD_CACHE_ENTRIES
LEAD_CHARS = 600
MIN_WORD = 3
WHY_WORDS = 3
DIGITS = str.maketrans("", "", "0123456789-:")
# Function words of fi, sv and en, by base form. They say nothing of an item's audience, but
# on a few hundred examples a linear model gives them weight by chance ("för" and "kan" pushed
# off-topic Swedish items to municipalities). One set for all three languages: where a word is
# a function word in one and a content word in another ("men"), losing it costs little.
_FUNCTION_WORDS = (
    # fi
    "ja tai sekä myös että kun jos kuin mutta vaan eli olla ei se ne tämä nämä joka mikä kuka "
    "hän he me te minä sinä jo vielä nyt sitten siis koska jotta vaikka kanssa mukaan lisäksi "
    "osa muu kaikki jokin mitä niin",
    # sv
    "och att det den som för på med av till från är var har hade kan ska skall vill inte men "
    "eller om så de en ett sig även också samt där här när vad vilken vilka detta denna dessa",
    # en
    "the and for that this with from are was were has have had will would can could not but "
    "or its their they them which who what when where also than then into about over more "
    "been being such these those there other",
)
STOP_WORDS = frozenset(word for words in _FUNCTION_WORDS for word in words.split())

AnalysedField = Sequence[tuple[str, WordForm]]


def lead_text(summary: str, body: str) -> str:
    """What the model reads besides the title: the summary, or the start of the body."""
    return summary if summary.strip() else body[:LEAD_CHARS]


def word_features(form: WordForm) -> set[str]:
    """The base forms and compound parts of one word (see the module docstring)."""
    if len(form.text) < MIN_WORD or not form.text.translate(DIGITS):
        return set()
    if not form.known:
        return set() if form.text in STOP_WORDS else {form.text}
    if form.lemmas & STOP_WORDS:
        return set()
    return {f for f in form.keys if len(f) >= MIN_WORD and f not in STOP_WORDS}


# Word forms come from the morphology's LRU cache and news repeat their words, so each form's
# feature names are built once (tagging speed: see benchmarks/bench_tagging.py).
@lru_cache(maxsize=FEATURE_CACHE)
def _summary_names(form: WordForm) -> tuple[str, ...]:
    return tuple(sorted(f"w:{name}" for name in word_features(form)))


@lru_cache(maxsize=FEATURE_CACHE)
def _title_names(form: WordForm) -> tuple[str, ...]:
    names = word_features(form)
    return tuple(sorted([*(f"w:{n}" for n in names), *(f"t:{n}" for n in names)]))


def item_features(
    title: AnalysedField,
    summary: AnalysedField,
    *,
    language: str,
    url: str = "",
    source_id: str = "",
    list_name: str = "",
) -> dict[str, str]:
    """Feature -> the first word of the item that gave it (for the reason of a model tag)."""
    return _collect(
        title,
        summary,
        lambda token, form, in_title: (_title_names if in_title else _summary_names)(form),
        source_features(language, url, source_id, list_name),
    )


NamesOf = Callable[[str, WordForm, bool], Iterable[str]]


def _collect(
    title: AnalysedField, summary: AnalysedField, names_of: NamesOf, sources: Iterable[str]
) -> dict[str, str]:
    """Feature -> the first word that gave it, with ``names_of(token, form, in_title)``
    naming each word's features; the source features (``sources``) name no word."""
    found: dict[str, str] = {}
    setdefault = found.setdefault
    for in_title, words in ((True, title), (False, summary)):
        for token, form in words:
            for name in names_of(token, form, in_title):
                setdefault(name, token)
    for name in sources:
        found[name] = ""
    return found


def source_features(language: str, url: str, source_id: str, list_name: str) -> list[str]:
    """The features of where an item comes from: language, site, source, list."""
    names = [f"lang:{language}"]
    host = _host(url)
    if host:
        names.append(f"host:{host}")
    if source_id:
        names.append(f"src:{source_id}")
    if list_name:
        names.append(f"list:{' '.join(list_name.lower().split())}")
    return names


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


@dataclass(frozen=True, slots=True)
class TagScore:
    """The model's view of one tag on one item: probability and the words that weighed most."""

    tag_id: str
    probability: float
    words: tuple[str, ...]
    decision: str  # "tag" | "suggest" | "none"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """At or above ``upper`` the model tags; in ``[lower, upper)`` it suggests."""

    lower: float
    upper: float

    def decide(self, probability: float) -> str:
        if probability >= self.upper:
            return "tag"
        return "suggest" if probability >= self.lower else "none"


@dataclass(frozen=True)
class LearnedModel:
    """Linear per-tag classifiers as plain data; see the module docstring."""

    tags: tuple[str, ...]
    intercepts: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]
    thresholds: Mapping[str, Thresholds]
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # (word form, in title) -> its feature names this model knows; see known_features
        object.__setattr__(self, "_known", {})

    def known_features(
        self,
        title: AnalysedField,
        summary: AnalysedField,
        *,
        language: str,
        url: str = "",
        source_id: str = "",
        list_name: str = "",
    ) -> dict[str, str]:
        """:func:`item_features` restricted to this model's features (what :meth:`score`
        reads, so it scores the same), with each word form's names looked up once."""
        # keyed by the token (its string hash is cached) in the item's language
        cache: dict[tuple[str, str, bool], tuple[str, ...]] = self._known  # type: ignore[attr-defined]
        weights = self.weights

        def names_of(token: str, form: WordForm, in_title: bool) -> tuple[str, ...]:
            key = (token, language, in_title)
            names = cache.get(key)
            if names is None:
                every = _title_names(form) if in_title else _summary_names(form)
                names = tuple(name for name in every if name in weights)
                if len(cache) >= FEATURE_CACHE:
                    cache.clear()
                cache[key] = names
            return names

        sources = source_features(language, url, source_id, list_name)
        return _collect(title, summary, names_of, [name for name in sources if name in weights])

    def score(self, features: Mapping[str, str], skip: Collection[str] = ()) -> list[TagScore]:
        """Every tag's probability and decision for an item's features (``skip``: tags whose
        decision is not wanted, e.g. given by a rule already: they get "none")."""
        weights = self.weights
        known = [(name, weights[name]) for name in features if name in weights]
        scale = 1.0 / math.sqrt(len(known)) if known else 0.0
        # math.fsum: exact, so the order of the features never changes a probability
        sums = [math.fsum(column) for column in zip(*(row for _, row in known), strict=True)]
        totals = (
            [b + t * scale for b, t in zip(self.intercepts, sums, strict=True)]
            if known
            else list(self.intercepts)
        )
        scores = []
        for index, tag in enumerate(self.tags):
            probability = 1.0 / (1.0 + math.exp(-totals[index]))
            decision = "none" if tag in skip else self.thresholds[tag].decide(probability)
            words = self._why(index, known, features) if decision != "none" else ()
            scores.append(TagScore(tag, probability, words, decision))
        return scores

    def _why(
        self,
        index: int,
        known: Iterable[tuple[str, tuple[float, ...]]],
        features: Mapping[str, str],
    ) -> tuple[str, ...]:
        """The item's words whose features pushed this tag up most, strongest first."""
        by_word: dict[str, float] = {}
        for name, row in known:
            word = features[name]
            if word and row[index] > 0:
                by_word[word] = max(by_word.get(word, 0.0), row[index])
        ranked = sorted(by_word.items(), key=lambda pair: (-pair[1], pair[0]))
        return tuple(word for word, _ in ranked[:WHY_WORDS])

    # --- storage ---------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "tags": list(self.tags),
            "intercepts": list(self.intercepts),
            "thresholds": {t: [th.lower, th.upper] for t, th in self.thresholds.items()},
            "weights": {name: list(row) for name, row in sorted(self.weights.items())},
            "info": dict(self.info),
        }

    def to_json(self) -> bytes:
        """The model as canonical JSON (the same model gives the same bytes)."""
        return json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True).encode("utf-8")

    @property
    def digest(self) -> str:
        """sha256 of the parameters (not of ``info``): equal digests tag identically."""
        data = self.to_data()
        del data["info"]
        canonical = json.dumps(data, sort_keys=True).encode("utf-8")
        return hashlib.sha256(canonical).hexdigest()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LearnedModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        tags = tuple(str(tag) for tag in data["tags"])
        weights = {str(k): tuple(float(w) for w in row) for k, row in data["weights"].items()}
        if any(len(row) != len(tags) for row in weights.values()):
            raise ValueError("every feature needs one weight per tag")
        thresholds = {
            str(tag): Thresholds(float(pair[0]), float(pair[1]))
            for tag, pair in data["thresholds"].items()
        }
        if set(thresholds) != set(tags) or len(data["intercepts"]) != len(tags):
            raise ValueError("every tag needs an intercept and thresholds")
        intercepts = tuple(float(x) for x in data["intercepts"])
        return cls(tags, intercepts, weights, thresholds, dict(data.get("info", {})))

    @classmethod
    def from_json(cls, raw: bytes | str) -> LearnedModel:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"model is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError("model must be a JSON object")
        try:
            return cls.from_data(data)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"model is incomplete: {exc!r}") from exc
