"""One release, its languages: are two stories the Finnish, Swedish or English version of one?

Publishers put one release out in several languages: kotoutuminen.fi has ``/-/<fi-slug>``,
``/sv/-/<sv-slug>`` and ``/en/-/<en-slug>``; intermin.fi keeps the Finnish slug and adds
``?languageId=sv_SE``; valtioneuvosto.fi numbers the ministry (``/-/1410877/`` is TEM) in every
language. Dedupe (:mod:`.dedupe`) never joins them, because their URLs, slugs and titles differ.
This module does, from two kinds of evidence:

* what the publisher gives: an ``hreflang`` alternate naming the other page, the same path once
  the language prefix and ``languageId`` are dropped, the same publisher (host, or the Liferay
  group id), the same release date;
* what the texts share (:mod:`.anchors`): numbers, amounts, dates, acronyms, names.

It must never join two different releases of the same day and topic (the AMIF call and the
ISF/BMVI calls opened the same morning by the same ministry; an elinvoimakeskus release that
quotes the ministry's figure). So a number, acronym or name in one title that the other
version does not mention at all counts against, versions of one story never share a language,
and releases dated more than :data:`DATE_WINDOW` apart are never one.

:func:`compare` scores a pair, :func:`group_versions` groups a set of stories (what the
measurement on ``headlines_dev2.jsonl`` runs), :func:`best_story` picks the stored story a new
version belongs to (what the pipeline runs). All pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit

from aggregator.normalize.anchors import anchors, publisher_families
from aggregator.normalize.urls import url_key

DATE_WINDOW = timedelta(days=3)
THRESHOLD = 6.0
WEIGHTS = {"n": 2.0, "d": 2.0, "a": 2.0, "k": 1.0, "c": 1.0, "y": 0.5, "t": 0.5}
# Both texts give dates (or numbers) and not one is the same: two releases, not a translation.
DISJOINT = {"d": 4.0, "n": 2.0}
TITLE_CONFLICT = {"n": 2.5, "a": 3.0, "k": 3.0, "d": 1.5}
SAME_PUBLISHER = 2.0
SAME_DAY = 2.0
NEAR_DAY = 1.0
# One publisher on one day puts out a handful of releases, so the two together narrow the
# candidates more than each alone: one shared name is then enough.
SAME_DAY_AND_PUBLISHER = 1.0
# Without a release date the texts are all there is; a publisher's evergreen pages name the same
# organisations and restate the same figures, so names alone never join two undated versions,
# and a figure one gives and the other lacks counts as much against as a shared one for.
UNDATED_KINDS = frozenset({"n", "d"})
UNDATED_MISSING_NUMBER = 2.0
OTHER_PUBLISHER = -3.0
CERTAIN = 100.0

_LANGUAGE_SEGMENTS = frozenset({"fi", "sv", "en", "se", "ru"})
_LIFERAY_GROUP = re.compile(r"/-/+(\d{5,})/")
_REPEAT_SUFFIX = re.compile(r"-\d$")


@dataclass(frozen=True)
class Version:
    """One language version of a story, as the matcher reads it."""

    language: str
    title: str
    text: str  # summary and body
    url: str
    published: date | None = None  # the release date (Europe/Helsinki)
    alternates: tuple[str, ...] = ()  # other-language URLs the publisher names (hreflang)

    @cached_property
    def title_anchors(self) -> frozenset[str]:
        return anchors(self.title, self.language)

    @cached_property
    def all_anchors(self) -> frozenset[str]:
        return self.title_anchors | anchors(self.text, self.language)

    @cached_property
    def publisher(self) -> frozenset[str]:
        return publisher_keys(self.url)

    @cached_property
    def neutral_path(self) -> str:
        return language_neutral_path(self.url)

    @cached_property
    def url_keys(self) -> frozenset[str]:
        return frozenset({url_key(self.url)})

    @cached_property
    def alternate_keys(self) -> frozenset[str]:
        return frozenset(url_key(url) for url in self.alternates)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two versions are (or are not) one release: a score and its reasons."""

    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def same(self) -> bool:
        return self.score >= THRESHOLD


def publisher_keys(url: str) -> frozenset[str]:
    """Who published ``url``: its host (no ``www.``), and the Liferay group id if it has one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return frozenset()
    host = (parts.hostname or "").removeprefix("www.")
    keys = {f"host:{publisher_families().get(host, host)}"}
    group = _LIFERAY_GROUP.search(parts.path)
    if group:
        keys.add(f"group:{group.group(1)}")
    return frozenset(keys)


def language_neutral_path(url: str) -> str:
    """Host and path without a language segment or ``languageId``: the same for the versions
    of a page whose publisher keeps one slug for all languages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    segments = [s for s in parts.path.lower().split("/") if s and s not in _LANGUAGE_SEGMENTS]
    if segments:  # Liferay numbers a repeated friendly URL: "<slug>-1"
        segments[-1] = _REPEAT_SUFFIX.sub("", segments[-1])
    query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in ("languageid", "lang")]
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}/{'/'.join(segments)}?{sorted(query)}"


def _dates(a: Version, b: Version) -> tuple[float | None, str]:
    """The date's weight; None when the dates rule the pair out."""
    if a.published is None or b.published is None:
        return 0.0, ""
    gap = abs(a.published - b.published)
    if gap > DATE_WINDOW:
        return None, f"released {gap.days} days apart"
    if gap == timedelta(0):
        return SAME_DAY, "same release date"
    return NEAR_DAY, f"released {gap.days} days apart"


def _publisher_says(a: Version, b: Version) -> str | None:
    if a.url_keys & b.alternate_keys or b.url_keys & a.alternate_keys:
        return "the publisher names it as a language version (hreflang)"
    if a.publisher & b.publisher and a.neutral_path == b.neutral_path:
        return "the same address in another language"
    return None


def _conflicts(a: Version, b: Version) -> tuple[float, list[str]]:
    """What one title names that the other version never mentions."""
    penalty, missing = 0.0, []
    for one, other in ((a, b), (b, a)):
        for anchor in sorted(one.title_anchors - other.all_anchors):
            kind = anchor[0]
            if kind in TITLE_CONFLICT:
                penalty += TITLE_CONFLICT[kind]
                missing.append(anchor)
    return penalty, missing


def compare(a: Version, b: Version) -> Evidence:
    """How sure we are that ``a`` and ``b`` are language versions of one release."""
    if a.language == b.language:
        return Evidence(0.0, ("same language",))
    date_weight, date_reason = _dates(a, b)
    said = _publisher_says(a, b)
    if said:
        return Evidence(CERTAIN, (said,))
    if date_weight is None:
        return Evidence(0.0, (date_reason,))
    shared = a.all_anchors & b.all_anchors
    text_score = sum(WEIGHTS[anchor[0]] for anchor in shared)
    if not any(anchor[0] != "y" for anchor in shared):
        return Evidence(0.0, ("nothing in common but years",))
    dated = a.published is not None and b.published is not None
    if not dated and not any(anchor[0] in UNDATED_KINDS for anchor in shared):
        return Evidence(0.0, ("undated, and nothing in common but names",))
    reasons = [f"share {', '.join(sorted(shared))}"]
    score = text_score + date_weight
    if date_reason:
        reasons.append(date_reason)
    if a.publisher & b.publisher:
        score += SAME_PUBLISHER
        reasons.append("same publisher")
        if date_weight == SAME_DAY:
            score += SAME_DAY_AND_PUBLISHER
    else:
        score += OTHER_PUBLISHER
    if not dated:
        unmatched = {x for x in a.all_anchors ^ b.all_anchors if x[0] == "n"}
        if unmatched:
            score -= UNDATED_MISSING_NUMBER * len(unmatched)
            reasons.append(f"undated, and only one gives {', '.join(sorted(unmatched))}")
    penalty, missing = _conflicts(a, b)
    if missing:
        score -= penalty
        reasons.append(f"one title names what the other lacks: {', '.join(missing)}")
    for kind, weight in DISJOINT.items():
        if _disjoint(a.all_anchors, b.all_anchors, kind):
            score -= weight
            reasons.append(f"no {kind}: anchor in common")
    return Evidence(score, tuple(reasons))


def _disjoint(a: frozenset[str], b: frozenset[str], kind: str) -> bool:
    ours = {x for x in a if x[0] == kind}
    theirs = {x for x in b if x[0] == kind}
    return bool(ours) and bool(theirs) and not ours & theirs


def group_versions(versions: Sequence[Version]) -> list[list[int]]:
    """Group ``versions`` (by index) into releases: best pairs first, each release at most one
    version per language, every pair of a release compatible."""
    pairs: list[tuple[float, int, int]] = []
    for i in range(len(versions)):
        for j in range(i + 1, len(versions)):
            evidence = compare(versions[i], versions[j])
            if evidence.same:
                pairs.append((evidence.score, i, j))
    group_of = {i: [i] for i in range(len(versions))}
    for _score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        left, right = group_of[i], group_of[j]
        if left is right or not _joinable(versions, left, right):
            continue
        left.extend(right)
        for member in right:
            group_of[member] = left
    unique = {id(g): sorted(g) for g in group_of.values()}
    return sorted(unique.values())


def _joinable(versions: Sequence[Version], left: list[int], right: list[int]) -> bool:
    if {versions[i].language for i in left} & {versions[j].language for j in right}:
        return False
    return all(compare(versions[i], versions[j]).score > 0 for i in left for j in right)


def best_story(
    version: Version, stories: Mapping[int, Sequence[Version]]
) -> tuple[int, Evidence] | None:
    """The story (by id) whose versions ``version`` is another language of, if any: the best
    scoring one that has no version in its language and none ruling it out."""
    best: tuple[int, Evidence] | None = None
    for story_id, existing in sorted(stories.items()):
        if not existing or any(v.language == version.language for v in existing):
            continue
        scored = [compare(version, v) for v in existing]
        if any(e.score <= 0 for e in scored):
            continue
        top = max(scored, key=lambda e: e.score)
        if top.same and (best is None or top.score > best[1].score):
            best = (story_id, top)
    return best
