"""Does an item announce a call for applications?

A call (*haku*, *hakuilmoitus*; sv *ansökan*, *utlysning*) is an item that announces or
describes a call for applications: open, upcoming or already closed (a call's own page that says
"Haku on päättynyt" is still that call). Not calls: news that grants were awarded
("myönnettiin", "har beviljats", "rahoituspäätökset"), application statistics ("vastaanotettiin
25 hakemusta"), organisation changes, programme approvals and general news, even when they
mention dates or money.

Pre-announcements (*ennakkotieto*, sv *förhandsinformation*: "haku avataan 2.3.2026") are calls
when they give a date of the call: the lifecycle then shows them as ``announced`` until the
opening. A pre-announcement without any date ("lisätukea valmistellaan ... tämä on
ennakkotieto") is not a call yet; the item that later gives the dates will be.

The decision, in order:

1. a result word in the title (awarded, statistics, results, "haku päättyi") means not a call;
2. an item that never speaks of applying or of a grant (:data:`CALL_TERMS`: haku, hakea,
   avustus, ansökan, understöd, call, apply, grant...) is not a call, whatever dates it has
   (an organisation change, an event, a payment schedule);
3. without a date of the call (opening or closing) and without a rolling-call statement, not a
   call;
4. a body that reports results more often than it invites applications is not a call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.grants.text import Document, cues, fold_like_ignorecase, search, snippet

_AWARDED = (
    r"myönnettiin",
    r"\bmyönsi\b",
    r"on myöntänyt",
    r"ovat myöntäneet",
    r"saaneiden",
    r"saaneet\b",
    r"on tehnyt rahoituspäätök",
    r"tehnyt (?:avustus)?päätökset",
    r"rahoituspäätökset on tehty",
    r"rahoitetut hankkeet",
    r"har beviljat",
    r"har beviljats",
    r"\bbeviljades\b",
    r"\bbeviljade\b",
    r"\bfick\b",
    r"\bsai\b",
    r"\bsaivat\b",
    r"has granted",
    r"have granted",
    r"(?:has|have) been granted",
    r"(?:were|was) granted",
    r"has awarded",
    r"(?:has|have) been awarded",
    r"(?:were|was) awarded",
    r"funding decisions",
)
AWARDED = cues(*_AWARDED)
# A title in the past tense of granting reports results even without "has"/"were".
_TITLE_AWARDED = (
    r"\bgranted\b", r"\bawarded\b", r"myönnetty", r"beviljats", r"beviljades", r"\bsaajat\b",
    r"\bmottagare\b", r"\brecipients\b", r"\btulokset\b", r"\bresultat(?:en)?\b",
    r"\bresults\b",
)  # fmt: skip
TITLE_AWARDED = cues(*_TITLE_AWARDED)
_RESULTS = (
    r"vastaanotti",
    r"vastaanotettiin",
    r"\d\s(?:hanke)?hakemust[ae]\b",
    r"hakemuksia saapui",
    r"päättyneess?ä haussa",
    r"päättyneissä hauissa",
    r"\bhaut päättyivät",
    r"\bhaku päättyi\b",
    r"applications were received",
    r"received \d+ applications",
    r"ansökningar inkom",
    r"\binkom\b",
    r"\boli avoinna\b",
    r"\bwas open\b",
    r"\bvar öppen\b",
)
RESULTS = cues(*_RESULTS)
# Words of applying or of grants: an item with none of them does not announce a call.
CALL_STEMS = (
    "hak", "hae", "haet", "haussa", "avustu", "rahoitu", "tuki", "tuke",
    "ansök", "sök", "utlys", "understöd", "bidrag", "stöd",
    "call", "applica", "apply", "proposal", "grant", "funding", "aid",
)  # fmt: skip
CALL_TERMS = cues(
    r"\bhak", r"\bhae", r"\bhaet", r"haussa", r"avustu", r"rahoitu", r"\btuki", r"\btuke",
    r"ansök", r"\bsök", r"utlys", r"understöd", r"bidrag", r"\bstöd",
    r"\bcall", r"applica", r"\bapply", r"proposal", r"\bgrant", r"\bfunding", r"\baid\b",
)  # fmt: skip


# The title checks of step 1 as one pattern: one scan of the title instead of three.
_TITLE_RESULTS = cues(*_AWARDED, *_TITLE_AWARDED, *_RESULTS)
# Every match of _TITLE_RESULTS holds one of these (case-folded, as plain substrings;
# tests/grants/test_prefilter.py proves it from the pattern itself), so a title holding none
# is answered without the many-branched case-insensitive pattern: most titles.
TITLE_RESULT_STEMS = (
    "myönnettiin", "myönsi", "myöntän", "myönnetty", "saanei", "saanee", "saajat",
    "rahoituspäätök", "päätökset", "rahoitetut hankkeet", "tulokset", "vastaanot", "hakemust",
    "hakemuksia saapui", "päättyne", "päättyi", "oli avoinna",
    "beviljat", "beviljade", "fick", "sai", "mottagare", "resultat", "inkom", "var öppen",
    "granted", "awarded", "funding decisions", "recipients", "results", "received", "was open",
)  # fmt: skip
_TITLE_RESULT_STEM = re.compile("|".join(re.escape(stem) for stem in TITLE_RESULT_STEMS))
_CALL_STEM = re.compile("|".join(re.escape(stem) for stem in CALL_STEMS))


def may_speak_of_applying(*texts: str) -> bool:
    """The cheap test before any sentence is split: does any of ``texts`` hold one of
    :data:`CALL_STEMS` (case-folded, as plain substrings)? Every :data:`CALL_TERMS` match holds
    one, so a text failing this test never speaks of applying and is never a call unless its
    source gave structured call fields (tests/grants/test_prefilter.py checks it on the real
    grant texts and the fixtures)."""
    return _CALL_STEM.search("\n".join(texts).lower()) is not None  # no stem holds a "\n"


def title_reports_results(title: str) -> re.Match[str] | None:
    """Step 1: the result word in ``title`` (:data:`_TITLE_RESULTS`), if any."""
    if _TITLE_RESULT_STEM.search(fold_like_ignorecase(title)) is None:
        return None
    return search(_TITLE_RESULTS, title)


def speaks_of_applying(text: str) -> bool:
    """Does ``text`` match :data:`CALL_TERMS`? Every term contains one of :data:`CALL_STEMS`,
    so a text holding none of those plain substrings is answered without the (slow, case-
    insensitive, many-branched) regular expression: most news items."""
    return _speaks_of_applying(Document(text, title_end=0))


def _speaks_of_applying(doc: Document) -> bool:
    if doc.lowered is not None:  # the twin holds a stem wherever it matches: no need to ask
        return doc.search(CALL_TERMS) is not None
    lowered = doc.text.lower()
    return any(stem in lowered for stem in CALL_STEMS) and CALL_TERMS.search(doc.text) is not None


INVITES = cues(
    r"\bvoi(?:vat)?\b(?:\s[\wäö]{1,20}){0,3}\s(?:hakea|saada)\b",
    r"hakijoina voivat",
    r"haettavissa on",
    r"on haettavissa",
    r"haettavana",
    r"haettavaksi",
    r"jaettavissa",
    r"käytettävissä",
    r"on käynnissä",
    r"on avoinna",
    r"avoinna olevassa",
    r"\bavataan\b",
    r"\bavaa\b",
    r"\balkaa\b",
    r"\balkaen\b",
    r"päättyy",
    r"\bhae\b",
    r"kan sökas",
    r"\bpågår\b",
    r"är öppen",
    r"\butlyser\b",
    r"\binleds\b",
    r"can apply",
    r"may apply",
    r"can be applied",
    r"\bis open\b",
    r"\bare open\b",
    r"\bopens\b",
    r"must be submitted",
    r"\bdeadline\b",
    r"is available",
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the item is a call, and the sentence that decided it."""

    is_call: bool
    evidence: str


def refused_without_dates(doc: Document) -> Verdict | None:
    """Steps 1 and 2, which need no dates: a refusal, or None when dates must decide.

    Most news items stop here, so the extractor asks this before it scans any date.
    """
    title = doc.title
    if title_reports_results(title):
        return Verdict(False, f"title reports results: {snippet(title)}")
    if not _speaks_of_applying(doc):
        return Verdict(False, "speaks of no application or grant")
    return None


def announces_call(
    doc: Document, *, has_call_dates: bool, rolling: bool, checked_without_dates: bool = False
) -> Verdict:
    """Decide whether ``doc`` announces a call (see the module docstring).

    ``checked_without_dates`` says the caller already ran :func:`refused_without_dates`.
    """
    refusal = None if checked_without_dates else refused_without_dates(doc)
    if refusal is not None:
        return refusal
    if not has_call_dates and not rolling:
        return Verdict(False, "no date of a call and not a rolling call")
    results = doc.count(AWARDED) + doc.count(RESULTS)
    invitations = doc.count(INVITES)
    if results and results >= invitations:
        first = doc.search(AWARDED) or doc.search(RESULTS)
        where = snippet(doc.sentence_at(first.start()).text) if first else ""
        reason = f"reports results ({results}) more than it invites ({invitations})"
        return Verdict(False, f"{reason}: {where}")
    return Verdict(True, "")
