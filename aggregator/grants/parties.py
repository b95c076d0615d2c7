"""Programme, funder, where to apply, reference number and rolling calls.

Programmes: the EU home-affairs funds ``AMIF`` (Turvapaikka-, maahanmuutto- ja
kotouttamisrahasto), ``ISF`` (sisäisen turvallisuuden rahasto), ``BMVI`` (rajaturvallisuuden ja
viisumipolitiikan rahoitustukiväline), the EU social fund ``ESR+``, and ``state grant`` for
Finnish state grants (valtionavustus, its project form erityisavustus; sv statsunderstöd,
specialunderstöd; en state/government/special grant). A plain "avustus" (grant) names no
programme. A state-grant word in the title wins; otherwise a named EU fund (AMIF first, because
this service is about integration, then in order of mention); otherwise a state-grant word in
the body.

Funders are normalised to the organisation's Finnish name (see :data:`FUNDERS`), the first one
named in the text. The EU home-affairs funds are always run by the Ministry of the Interior in
Finland, so a call of those funds without a named funder gets ``sisäministeriö``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.grants.text import Document, cues, search, snippet

STATE_GRANT = "state grant"
EU_HOME_AFFAIRS = ("AMIF", "ISF", "BMVI")
INTERIOR = "sisäministeriö"

PROGRAMMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "AMIF",
        cues(
            r"\bamif\b",
            r"turvapaikka-,? maahanmuutto- ja kotouttamisrahast",
            r"asyl-,? migrations- och integrationsfond",
            r"asylum,? migration and integration fund",
        ),
    ),
    (
        "ISF",
        cues(
            r"\bisf\b",
            r"sisäisen turvallisuuden rahast",
            r"fonden för inre säkerhet",
            r"internal security fund",
        ),
    ),
    (
        "BMVI",
        cues(
            r"\bbmvi\b",
            r"rajaturvallisuuden ja viisumipolitiikan",
            r"gränsförvaltning och viseringspolitik",
            r"border management and visa",
        ),
    ),
    (
        "ESR+",
        cues(
            r"\besr\+",
            r"\besf\+",
            r"euroopan sosiaalirahast",
            r"europeiska socialfonden",
            r"european social fund",
        ),
    ),
)
STATE_GRANT_WORDS = cues(
    r"valtionavustu",
    r"erityisavustu",
    r"statsunderstöd",
    r"specialunderstöd",
    r"state grants?",
    r"government grants?",
    r"special grants?",
)
FUNDERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        INTERIOR,
        cues(
            r"sisäministeriö",
            r"inrikesministeri",
            r"ministry of the interior",
            r"\bintermin\b",
        ),
    ),
    (
        "työ- ja elinkeinoministeriö",
        cues(
            r"työ- ja elinkeinoministeriö",
            r"arbets- och näringsministeri",
            r"ministry of economic affairs and employment",
            r"(?-i:\bTEM\b)",
            r"(?-i:\bANM\b)",
        ),
    ),
    (
        "opetus- ja kulttuuriministeriö",
        cues(
            r"opetus- ja kulttuuriministeriö",
            r"undervisnings- och kulturministeri",
            r"ministry of education and culture",
            r"(?-i:\bOKM\b)",
        ),
    ),
    (
        "KEHA-keskus",
        cues(
            r"keha-?(?:keskus|centr)",
            r"keha centre",
            r"työllisyys-, kehittämis- ja hallintokeskus",
        ),
    ),
    ("elinvoimakeskus", cues(r"elinvoimakesku", r"livskraftscentral", r"vitality centre")),
    ("ELY-keskus", cues(r"\bely-?kesk", r"\bely centre", r"ntm-central")),
)

_URL = re.compile(r"https?://[^\s<>\"')\]]{1,300}", re.IGNORECASE)
_APPLY_HOSTS = ("haeavustuksia.fi", "eusa-rahastot2021.fi", "eusa-rahastot.fi")
_BARE_PORTAL = re.compile(r"\bhaeavustuksia\.fi\b", re.IGNORECASE)
_REFERENCE = re.compile(
    r"\b(?:VN|TEM|SM|OKM|KEHA|ELY|EVK)/\d{1,7}/\d{4}\b"
    r"|(?:dnro|diaarinumero|asianumero|dnr)\.?:?\s{0,3}(?P<code>[A-Z0-9][A-Za-z0-9/.\-]{2,40})",
    re.IGNORECASE,
)
ROLLING = cues(
    r"\bhaku\s(?:on\s)?jatkuva",
    r"\bhakuaika\s(?:on\s)?jatkuva",
    r"\bjatkuva\w{0,3}\s(?:haku|haussa|hakuna)",
    r"jatkuvasti haettavissa",
    r"\blöpande\b",
    r"fortlöpande",
    r"kontinuerlig",
    r"rolling basis",
    r"\bcontinuous(?:ly)?\b",
    r"until further notice",
    r"toistaiseksi",
)


@dataclass(frozen=True, slots=True)
class Found:
    """A normalised value and the sentence it came from."""

    value: str | None = None
    evidence: str = ""


def programmes_named(doc: Document) -> list[str]:
    """The EU funds the text names, AMIF first, then in order of first mention."""
    positions = {}
    for name, pattern in PROGRAMMES:
        match = doc.search(pattern)
        if match:
            positions[name] = match.start()
    return sorted(positions, key=lambda name: (name != "AMIF", positions[name]))


def programme(doc: Document) -> Found:
    """The call's programme (see the module docstring for the order)."""
    if search(STATE_GRANT_WORDS, doc.title):
        return Found(STATE_GRANT, snippet(doc.title))
    named = programmes_named(doc)
    if named:
        pattern = dict(PROGRAMMES)[named[0]]
        return Found(named[0], _sentence_of(doc, pattern))
    if doc.search(STATE_GRANT_WORDS):
        return Found(STATE_GRANT, _sentence_of(doc, STATE_GRANT_WORDS))
    return Found()


def funder(doc: Document, programme_name: str | None) -> Found:
    """The first funding organisation named, normalised; EU home-affairs funds default."""
    best: tuple[int, str] | None = None
    for name, pattern in FUNDERS:
        match = doc.search(pattern)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), name)
    if best is not None:
        return Found(best[1], snippet(doc.sentence_at(best[0]).text))
    if programme_name in EU_HOME_AFFAIRS:
        return Found(INTERIOR, f"{programme_name} calls are run by the Ministry of the Interior")
    return Found()


def normalise_funder(name: str) -> str:
    """The canonical name of an organisation name (unknown names are kept as written)."""
    for canonical, pattern in FUNDERS:
        if pattern.search(name):
            return canonical
    return name.strip()


def apply_url(doc: Document) -> Found:
    """Where to apply: a link to the grant portal or the EU-funds site named in the text."""
    for match in _URL.finditer(doc.text):
        url = match.group(0).rstrip(".,;:!?")
        if any(host in url.lower() for host in _APPLY_HOSTS):
            return Found(url, snippet(doc.sentence_at(match.start()).text))
    bare = _BARE_PORTAL.search(doc.text)
    if bare:
        return Found("https://www.haeavustuksia.fi/", snippet(doc.sentence_at(bare.start()).text))
    return Found()


def reference(doc: Document) -> Found:
    """A diary or case number written in the text (``VN/1234/2025``, ``Dnro TEM/56/2023``)."""
    match = _REFERENCE.search(doc.text)
    if match is None:
        return Found()
    code = match.group("code") or match.group(0)
    return Found(code.rstrip(".,;:").upper(), snippet(doc.sentence_at(match.start()).text))


def rolling(doc: Document) -> Found:
    """Whether the call is continuous (no fixed deadline): "haku on jatkuva", "löpande"."""
    match = doc.search(ROLLING)
    if match is None:
        return Found()
    return Found("yes", snippet(doc.sentence_at(match.start()).text))


def _sentence_of(doc: Document, pattern: re.Pattern[str]) -> str:
    match = doc.search(pattern)
    return snippet(doc.sentence_at(match.start()).text) if match else ""
