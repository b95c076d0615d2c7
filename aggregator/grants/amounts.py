"""Read money amounts from a grant text and pick the total available for the call.

Forms read: ``400 000 euroa``, ``600 000 €``, ``3 422,50 €``, ``10,8 miljoonaa euroa``,
``2 M€``, ``1,5 milj. euroa``, number words (``kaksi miljoonaa euroa``, ``noin viisi
miljoonaa``, ``kahden miljoonan euron``, ``fem miljoner euro``, ``two million euros``),
``cirka 8 miljoner euro``, ``2,262 miljoner euro``, ``EUR 10.8 million``, ``€2 million``,
``EUR 900,000``.

Which amount is the call's total (``amount_eur``):

- never a per-unit amount: a rate per person or per project ("3 422,50 € alle 7-vuotiaista",
  "henkilöä kohden", "per person"), an average or a maximum per applicant;
- these cues are read in the amount's own clause (cut at ``,`` ``;`` ``:`` a dash or "ja",
  "och", "and"), so "enintään 150 000 euroa hanketta kohden, ja haettavana on yhteensä
  1,5 miljoonaa euroa" excludes the cap, not the total;
- never money already granted or applied for ("myönnettiin", "har beviljats", "hakevat",
  "granted"), nor a whole programme period ("koko ohjelmakauden aikana");
- never a part of a total ("..., josta erityistavoitteessa 1 noin 4,5 miljoonaa", "of which");
  except that when one text announces calls of several EU funds and names the share of the
  programme we report (AMIF), that share is the call's amount;
- otherwise the first amount said to be available ("haettavissa", "jaettavissa",
  "käytettävissä", "kan sökas", "available"), else the first amount left; an available amount
  that its clause introduces as an addition ("ja lisäksi on käytettävissä 400 000 euroa",
  "Lisämäärärahaa on käytettävissä ...", "dessutom", "an additional EUR 1 million") is added
  to it, in the same sentence or a later one;
- when the text gives a total and then the funds' shares ("yhteensä 10 miljoonaa euroa: AMIF
  6 miljoonaa, ISF 3 miljoonaa"), the share is the one whose own clause names the fund.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.grants.text import Document, Sentence, cues, snippet

_WORDS: dict[str, float] = {
    "puolitoista": 1.5, "puoli": 0.5, "yksi": 1, "kaksi": 2, "kolme": 3, "neljä": 4,
    "viisi": 5, "kuusi": 6, "seitsemän": 7, "kahdeksan": 8, "yhdeksän": 9, "kymmenen": 10,
    "puolen": 0.5, "yhden": 1, "kahden": 2, "kolmen": 3, "neljän": 4, "viiden": 5, "kuuden": 6,
    "en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8,
    "nio": 9, "tio": 10,
    "half a": 0.5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_WORD = "|".join(sorted((re.escape(word) for word in _WORDS), key=len, reverse=True))
_NUMBER = (
    r"(?P<spaced>\d{1,3}(?: \d{3}){1,4})(?:,(?P<sdec>\d{1,2}))?(?![\d.,]\d)"
    r"|(?P<dotted>\d{1,3}(?:\.\d{3}){2,4})(?:,(?P<ddec>\d{1,2}))?(?![\d.,]\d)"
    r"|(?P<comma>\d{1,3}(?:,\d{3}){1,4})(?:\.(?P<cdec>\d{1,2}))?(?![\d.,]\d)"
    r"|(?P<plain>\d{1,9})(?:[.,](?P<pdec>\d{1,3}))?(?![\d.,]\d)"
)
_MILLION = r"miljoon[a-zäö]{0,5}|milj\.|miljon(?:er|erna)?|millions?|mn\b"
_EURO = r"euro[a-zäö]{0,3}\b|eur\b|€"
_PREFIXED_NUMBER = _NUMBER.replace("?P<", "?P<x")  # the same groups, named x...
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?:{_NUMBER})\s{{0,2}}(?:(?P<mult>{_MILLION})\s{{0,2}}(?P<unit>{_EURO})?"
    rf"|(?P<meur>M€|MEUR|m€)|(?P<unit2>{_EURO}))"
    rf"|(?P<cur>\bEUR|€)\s{{0,2}}(?:{_PREFIXED_NUMBER})"
    rf"(?:\s{{0,2}}(?P<xmult>millions?|mn\b|m\b))?"
    rf"|\b(?P<word>{_WORD})\s{{1,2}}(?P<wmult>{_MILLION})(?:\s{{0,2}}(?P<wunit>{_EURO}))?"
    rf"|\b(?P<one>miljoona|miljoonan)\s{{1,2}}(?P<ounit>euro[a-zäö]{{0,3}}\b)",
    re.IGNORECASE,
)
MAX_AMOUNTS = 200

PER_UNIT = cues(
    r"henkilö", r"kohden", r"\bkohti\b", r"\bper\b", r"/hlö", r"vuotiai", r"keskiarvo",
    r"enimmäismäär",
    r"hankkeelle (?:enintään|korkeintaan)", r"(?:yhdelle|kullekin) (?:hankkeelle|hakijalle)",
    r"per hanke", r"per projekt", r"per sökande",
    r"genomsnitt", r"\bperson", r"average", r"maximum grant", r"per capita",
)  # fmt: skip
SPENT = cues(
    r"myönnettiin", r"myönsi", r"myöntänyt", r"myönnetty", r"\bhaetaan", r"hakevat",
    r"haettiin", r"ohjelmakau", r"beviljat", r"beviljade", r"beviljats", r"\bsökte",
    r"\bsöker", r"programperiod", r"\bgranted", r"\bawarded", r"requested", r"applied for",
    r"programme period",
)  # fmt: skip
PART = cues(r"\bjosta\b", r"\bjoista\b", r"\btästä\b", r"\bvarav\b", r"of which", r"of this")
AVAILABLE = cues(
    r"haettavissa", r"haettavana", r"haettavaksi", r"jaettava", r"jaossa", r"jaetaan",
    r"tarjolla", r"finns att söka", r"kan sökas", r"totalt", r"sammanlagt", r"yhteensä",
    r"käytettävissä", r"varattu", r"määrärah", r"\bsökas", r"delas ut", r"reserver",
    r"\banslag", r"budgetproposition", r"available", r"allocated", r"earmarked", r"budget",
)  # fmt: skip
ADDITION = cues(
    r"\blisäksi\b", r"\blisämäärära", r"\blisärahoitu", r"\bdessutom\b", r"\btilläggsanslag",
    r"in addition", r"additionally", r"\ban additional\b", r"additional appropriation",
)  # fmt: skip
# Where a clause ends: the cues of one amount must not be read for its neighbour.
_CLAUSE_BREAK = re.compile(r"[,;:]|\s[–—-]\s|\s(?:ja|sekä|och|samt|and)\s", re.IGNORECASE)


def clause_before(text: str) -> str:
    """The end of ``text`` after its last clause break (the clause an amount stands in)."""
    breaks = list(_CLAUSE_BREAK.finditer(text))
    return text[breaks[-1].end() :] if breaks else text


def clause_after(text: str) -> str:
    """The start of ``text`` up to its first clause break."""
    found = _CLAUSE_BREAK.search(text)
    return text[: found.start()] if found else text


@dataclass(frozen=True, slots=True)
class AmountMention:
    """One amount in euros, with where it stands in the text."""

    value: float
    start: int
    end: int
    sentence: Sentence
    before: str  # sentence text from its start to the amount
    lead: str  # sentence text from the previous amount (or the sentence start) to this one
    after: str  # sentence text from the amount to the next amount or the sentence end


@dataclass(frozen=True, slots=True)
class CallAmount:
    """The total available for the call and the sentences it was read from."""

    amount_eur: float | None
    evidence: str = ""


def find_amounts(doc: Document, language: str) -> list[AmountMention]:
    """Every amount of money in the text, in order."""
    matches = []
    for match in _AMOUNT.finditer(doc.text):
        value = _value(match, language)
        if value is not None and value > 0:
            matches.append((value, match))
        if len(matches) >= MAX_AMOUNTS:
            break
    found: list[AmountMention] = []
    for index, (value, match) in enumerate(matches):
        sentence = doc.sentence_at(match.start())
        following = matches[index + 1][1].start() if index + 1 < len(matches) else sentence.end
        previous = matches[index - 1][1].end() if index else 0
        start = max(sentence.start, match.start() - 300)
        before = doc.text[start : match.start()]
        lead = doc.text[max(start, previous) : match.start()]
        after = doc.text[match.end() : min(sentence.end, following, match.end() + 200)]
        found.append(
            AmountMention(value, match.start(), match.end(), sentence, before, lead, after)
        )
    return found


def _value(match: re.Match[str], language: str) -> float | None:
    groups = match.groupdict()
    if groups["word"]:
        return _WORDS[groups["word"].lower()] * 1e6
    if groups["one"]:
        return 1e6
    prefix = "x" if groups["cur"] else ""
    has_million = bool(groups["mult"] or groups["meur"] or groups["xmult"])
    number = _number(groups, prefix, language, has_million)
    if number is None:
        return None
    return number * 1e6 if has_million else number


def _number(groups: dict[str, str | None], prefix: str, language: str, million: bool) -> float:
    spaced, dotted = groups[prefix + "spaced"], groups[prefix + "dotted"]
    comma, plain = groups[prefix + "comma"], groups[prefix + "plain"]
    if spaced is not None:
        return _join(spaced.replace(" ", ""), groups[prefix + "sdec"])
    if dotted is not None:
        return _join(dotted.replace(".", ""), groups[prefix + "ddec"])
    if comma is not None:
        if million or language != "en":  # "2,262 miljoner euro" is 2.262 million
            whole, _, rest = comma.partition(",")
            return _join(whole, rest.replace(",", ""))
        return _join(comma.replace(",", ""), groups[prefix + "cdec"])
    assert plain is not None
    return _join(plain, groups[prefix + "pdec"])


def _join(whole: str, decimals: str | None) -> float:
    return float(f"{whole}.{decimals}") if decimals else float(whole)


def call_amount(doc: Document, language: str, programme: str | None, several: bool) -> CallAmount:
    """The total available for the call; ``several`` says the text names several EU funds."""
    usable = [a for a in find_amounts(doc, language) if not _excluded(a)]
    if several and programme:
        share = next((a for a in usable if _names_only(a, programme)), None)
        if share is not None:
            return CallAmount(share.value, snippet(share.sentence.text))
    totals = [a for a in usable if not PART.search(a.before)]
    available = [a for a in totals if AVAILABLE.search(a.before + " " + a.after)]
    candidates = available or totals
    if not candidates:
        return CallAmount(None)
    chosen = candidates[0]
    extras = [
        a
        for a in available
        if a.start > chosen.end
        and a.value != chosen.value
        and (
            ADDITION.search(clause_before(a.lead))
            or (a.sentence is not chosen.sentence and ADDITION.search(a.sentence.text))
        )
    ]
    total = chosen.value + sum(a.value for a in extras)
    evidence = " ".join(snippet(a.sentence.text) for a in [chosen, *extras])
    return CallAmount(total, evidence)


def _excluded(amount: AmountMention) -> bool:
    lead, after = clause_before(amount.lead), clause_after(amount.after)
    near = lead[-120:] + " " + after
    unit_context = lead[-60:] + " " + after[:80]
    return bool(PER_UNIT.search(unit_context) or SPENT.search(near))


_PROGRAMME_NAMES = {
    "AMIF": cues(r"\bAMIF\b", r"kotouttamisrahasto", r"integrationsfond", r"integration fund"),
    "ISF": cues(r"\bISF\b", r"sisäisen turvallisuuden rahasto", r"inre säkerhet", r"security fund"),
    "BMVI": cues(r"\bBMVI\b", r"viisumipolitiikan", r"viseringspolitik", r"visa policy"),
}


def _names_only(amount: AmountMention, programme: str) -> bool:
    """The amount's clause names ``programme`` and no other fund ("AMIF-rahastosta ... 16,8")."""
    clause = clause_before(amount.before)[-120:] + " " + clause_after(amount.after)[:60]
    named = {name for name, pattern in _PROGRAMME_NAMES.items() if pattern.search(clause)}
    return named == {programme}
