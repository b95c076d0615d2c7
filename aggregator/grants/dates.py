"""Decide which dates of a grant text open and close the call (its *hakuaika*).

*Hakuaika* (fi; sv *ansökningstid*, en *application period*) is the period during which
applications are accepted. Announcements also mention many other dates: when funded projects
may incur costs ("kustannuksia voi syntyä ajalla 1.10.2023–30.9.2024"), when the money may be
used, when decisions are made, info events and their registration deadlines, an earlier call,
the day a law takes effect. Each date found by :mod:`aggregator.normalize.datescan` gets a role
from the words around it in its sentence:

1. a *negative* cue between the previous date (or the sentence start) and this one ("kustannus",
   "päätökset", "infotilaisuus", "tapahtuma", "ilmoittautuminen", "ensimmäinen ...
   järjestettiin", "eligible costs", "beslut", payments: "maksaa", "will pay"...) means the
   date is not the call's, and so are the next dates of that sentence until a call word comes
   ("Ilmoittautuminen alkaa 1.8. ja päättyy 15.10.": both are the registration's);
2. a postposition right after the date decides next: ``mennessä``/``saakka``/``asti`` (by,
   until) close the call, ``alkaen``/``lähtien`` (from) open it, but only in a sentence about
   applying (:data:`APPLYING`): a postposition by itself says nothing about a call ("nimi
   muuttuu 1.1.2026 alkaen", "raportti on toimitettava 31.3.2027 mennessä");
3. otherwise the nearest cue before it: *opens* ("avataan", "alkaa", "käynnistyy", "inleds",
   "från och med", "opened on"), *closes* ("päättyy", "viimeistään", "määräaika", "till den",
   "deadline", "by", "until") or *period* ("hakuaika", "haku on avoinna", "ajalla",
   "ansökningstiden", "is open");
4. a range is the call period when it is not negated and a cue or a call word is near it.

Candidates are voted on per date (a date repeated in the title and the body wins over one
mentioned once); the time comes from any mention of the winning date that gives one. A time
written once apart from the dates ("Hakuaika on 16.2.–27.3.2026, ja haku päättyy klo 16.15",
"applications must be submitted by 4.15 pm on the closing day", "Ansökningstiden går ut
kl. 16.15") is the closing time when its sentence is about applying, speaks of no other date
than the call's, and a closing cue leads to it (:func:`_closing_time`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from aggregator.clock import HELSINKI
from aggregator.grants.text import Document, Sentence, cues, search, snippet
from aggregator.normalize.datescan import ClockTime, Mention, Point, scan

WINDOW = 300  # characters of context looked at before a date

NEGATIVE = cues(
    # fi: costs, use of the money, decisions, events, registration, laws, earlier calls
    r"kustannu",
    r"tukikelpoi",
    r"käytössä",
    r"toteutusai",
    r"hankeai",
    r"aikaisintaan",
    r"\bjatku(?:a|u|i|vat)\b",
    r"päätö[ks]",
    r"tilaisuu",
    r"webinaar",
    r"tapahtum",
    r"seminaar",
    r"konferens",
    r"verkostopäiv",
    r"koulutuspäiv",
    r"ilmoittau",
    r"voimaan",
    r"julkaistiin",
    r"julkaisuajankohta",
    r"ohjelmakau",
    r"järjestettiin",
    r"\bensimmäi",
    r"\bedelli",
    r"\baiemm",
    r"\btuetaan",
    r"siirtymä",
    r"rahoitettava toiminta",
    r"toimintansa",
    r"hyväksyn",
    r"hankkeet käynnisty",
    r"\bmaks[aeou]",
    # sv
    r"kostnad",
    r"stödberättig",
    r"projekttid",
    r"beslut",
    r"informationstillfäll",
    r"evenemang",
    r"anmäl",
    r"träd(?:er|de) i kraft",
    r"\btidigare",
    r"\bförsta",
    r"utbetal",
    r"\bbetala",
    # en
    r"\bcosts?\b",
    r"project period",
    r"implementation",
    r"\bdecisions?\b",
    r"\bevent\b",
    r"webinar",
    r"info(?:rmation)? session",
    r"\bregist",
    r"into force",
    r"\bprevious",
    r"\bfirst call",
    r"\bpa(?:y|ys|id|ying|yment|yments)\b",
)
OPENS = cues(
    r"\balka",
    r"\bavat",
    r"\bavaa\b",
    r"\bavau",
    r"\bavann",
    r"\bavasi",
    r"käynnisty",
    r"käynnistä",
    r"\bauke",
    r"\baukes",
    r"julistaa haettavaksi",
    r"från och med",
    r"\binled",
    r"\binlett",
    r"\böppna",
    r"\bbörja",
    r"\bstarta",
    r"\butlys",
    r"\bopen(?:s|ed)\b",
    r"\b(?:will|to) open\b",
    r"\bopening\b",
    r"\blaunch",
    r"\bstart",
    r"\bbegin",
)
CLOSES = cues(
    r"päätty",
    r"mennessä",
    r"viimeistään",
    r"viimeinen (?:haku|jättö)päivä",
    r"\blast day\b",
    r"saakka",
    r"\basti\b",
    r"määräai",
    r"sulkeutu",
    r"umpeutu",
    r"\bloppu(?:u|i|vat)\b",
    r"\blöp(?:er|te|t) ut",
    r"\bexpir",
    r"\btill\b",
    r"\bsenast",
    r"\bg(?:år|ått|ick) ut",
    r"upphör",
    r"\bslut",
    r"\bstäng",
    r"\bsista",
    r"deadline",
    r"\bby\b",
    r"\buntil\b",
    r"\bclos(?:e|es|ed|ing)\b",
    r"\bends?\b",
    r"\bdue\b",
    r"no later than",
)
PERIOD = cues(
    r"hakuai",
    r"hakuaja",
    r"avoinna",
    r"käynnissä",
    r"\bajalla\b",
    r"\bajalle\b",
    r"ajanjakso",
    r"haettavissa",
    r"ansökningsti",
    r"ansökningsomg",
    r"\bpågår",
    r"\böppen\b",
    r"application period",
    r"\bis open\b",
    r"\bare open\b",
    r"\bopen from\b",
    r"\bruns?\b",
)
# Postpositions that bind to the date just before them.
AFTER_CLOSES = re.compile(r"^[\s,]{0,3}(?:mennessä|saakka|asti|päättyne)", re.I)
AFTER_OPENS = re.compile(r"^[\s,]{0,3}(?:alkaen|lähtien|inlett|inleds)", re.I)
CALL_WORDS = cues(r"\bhak", r"\bhaku", r"haussa", r"ansök", r"\bcall", r"applica", r"\bapply")
# A sentence about applying: postpositions and lone times count only in one.
APPLYING = cues(
    r"\bhak", r"\bhae", r"\bhaet", r"haussa", r"määräai", r"ansök", r"\bsök", r"utlys",
    r"\bcall", r"applica", r"\bapply", r"proposal", r"submi", r"deadline",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CallPeriod:
    """The call's opening and closing moments and the sentences they were read from.

    Values are dates, or aware Europe/Helsinki datetimes when the text gave a time.
    """

    opens_at: date | datetime | None = None
    closes_at: date | datetime | None = None
    opens_evidence: str = ""
    closes_evidence: str = ""


@dataclass(frozen=True, slots=True)
class _Candidate:
    point: Point
    weight: int
    sentence: Sentence


def call_period(doc: Document, published: date | None) -> CallPeriod:
    """The opening and closing of the call described in ``doc``."""
    opens: list[_Candidate] = []
    closes: list[_Candidate] = []
    mentions, times = scan(doc.text, published)
    negated: Sentence | None = None  # the sentence whose last date a negative cue governed
    for index, mention in enumerate(mentions):
        sentence = doc.sentence_at(mention.start)
        previous_end = mentions[index - 1].end if index else 0
        before = max(sentence.start, previous_end, mention.start - WINDOW)  # ..mention.start
        after = doc.text[mention.end : min(sentence.end, mention.end + 40)]
        carried = negated is sentence and not doc.search(CALL_WORDS, before, mention.start)
        if carried or doc.search(NEGATIVE, before, mention.start):
            negated = sentence
            continue
        negated = None
        role = _role(doc, mention, before, after, sentence)
        weight = 1 if sentence.in_title else 2
        if role == "period" and mention.last is not None:
            opens.append(_Candidate(mention.first, weight, sentence))
            closes.append(_Candidate(mention.last, weight, sentence))
        elif role == "opens":
            opens.append(_Candidate(mention.first, weight, sentence))
        elif role == "closes":
            closes.append(_Candidate(mention.last or mention.first, weight, sentence))
    return _closing_time(doc, _choose(opens, closes), mentions, times)


def _role(
    doc: Document, mention: Mention, before: int, after: str, sentence: Sentence
) -> str | None:
    """The role of a date no negative cue governs; its context is ``doc.text[before:
    mention.start]`` and ``after``."""
    if mention.is_range:
        near = doc.text[before : mention.start] + " " + after
        if any(search(p, near) for p in (PERIOD, OPENS, CLOSES)) or doc.search(
            CALL_WORDS, sentence.start, sentence.end
        ):
            return "period"
        return None
    if doc.search(APPLYING, sentence.start, sentence.end):
        if AFTER_CLOSES.match(after):
            return "closes"
        if AFTER_OPENS.match(after):
            return "opens"
    return _nearest_cue(doc, before, mention.start)


def _closing_time(
    doc: Document, period: CallPeriod, mentions: list[Mention], times: list[ClockTime]
) -> CallPeriod:
    """The closing date with a time written once apart from it (see the module docstring)."""
    closing = period.closes_at
    if closing is None or isinstance(closing, datetime):
        return period
    call_days = {_day(closing)} | ({_day(period.opens_at)} if period.opens_at else set())
    for time in times:
        if time.attached or time.end_of_day:  # "klo 24.00": the date alone already means it
            continue
        sentence = doc.sentence_at(time.start)
        if not doc.search(APPLYING, sentence.start, sentence.end):
            continue
        in_sentence = [m for m in mentions if sentence.start <= m.start < sentence.end]
        days = {_day(p.value()) for m in in_sentence for p in (m.first, m.last) if p is not None}
        if not days <= call_days:
            continue
        previous_end = max((m.end for m in in_sentence if m.end <= time.start), default=0)
        before = max(sentence.start, previous_end)  # ..time.start
        after = doc.text[time.end : min(sentence.end, time.end + 40)]
        if doc.search(NEGATIVE, before, time.start):
            continue
        if doc.search(CLOSES, before, time.start) or AFTER_CLOSES.match(after):
            moment = datetime(
                closing.year, closing.month, closing.day, time.hour, time.minute, tzinfo=HELSINKI
            )
            evidence = period.closes_evidence
            if sentence.text not in evidence:
                evidence = f"{evidence} {snippet(sentence.text)}".strip()
            return CallPeriod(period.opens_at, moment, period.opens_evidence, evidence)
    return period


def _nearest_cue(doc: Document, start: int, end: int) -> str | None:
    """The role of the cue nearest to the end of ``doc.text[start:end]``."""
    best: tuple[int, str | None] = (-1, None)
    for pattern, role in ((OPENS, "opens"), (CLOSES, "closes"), (PERIOD, None)):
        found = doc.last_match(pattern, start, end)
        if found is not None and found.end() > best[0]:
            best = (found.end(), role)
    return best[1]


def _choose(opens: list[_Candidate], closes: list[_Candidate]) -> CallPeriod:
    opening, open_sentence = _vote(opens)
    closing, close_sentence = _vote(closes)
    if opening is not None and closing is not None and _day(opening) > _day(closing):
        opening, open_sentence = None, ""
    return CallPeriod(opening, closing, open_sentence, close_sentence)


def _vote(candidates: list[_Candidate]) -> tuple[date | datetime | None, str]:
    """The most supported date (first mentioned on a tie), with a time if any mention has one."""
    scores: dict[date, int] = defaultdict(int)
    order: dict[date, int] = {}
    for position, candidate in enumerate(candidates):
        day = _day(candidate.point.value())
        scores[day] += candidate.weight
        order.setdefault(day, position)
    if not scores:
        return None, ""
    winner = max(scores, key=lambda day: (scores[day], -order[day]))
    chosen = [c for c in candidates if _day(c.point.value()) == winner]
    timed = next((c for c in chosen if c.point.hour is not None), None)
    best = timed or chosen[0]
    return best.point.value(), snippet(best.sentence.text)


def _day(value: date | datetime | None) -> date:
    assert value is not None  # find_mentions drops points without a full date
    return value.date() if isinstance(value, datetime) else value
