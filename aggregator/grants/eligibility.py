"""Who may apply: eligible applicants as canonical ids.

The ids (fi / sv / en words that map to them, any inflection):

=========================== ===============================================================
``municipalities``          kunta, kuntayhtymä, kaupunki; kommun, samkommun; municipality,
                            joint municipal authority, city
``wellbeing-counties``      hyvinvointialue; välfärdsområde; wellbeing services county
``ngos``                    järjestö, yhdistys, säätiö, uskonnollinen yhdyskunta; organisation,
                            förening, stiftelse; NGO, organisation, association, foundation
``companies``               yritys; företag; company, business, enterprise
``educational-institutions`` oppilaitos, koulutusorganisaatio; läroanstalt,
                            utbildningsanordnare; educational institution, school
``public-bodies``           viranomainen, valtion virasto, julkisyhteisö; myndighet,
                            offentligrättslig; public authority, public body, government agency
``universities``            yliopisto, korkeakoulu; universitet, högskola; university
``research-organisations``  tutkimuslaitos, tutkimusorganisaatio; forskningsinstitut;
                            research organisation/institute
=========================== ===============================================================

"Private-law legal persons" (yksityisoikeudelliset oikeushenkilöt, privaträttsliga juridiska
personer) are associations, foundations and companies, so they map to ``ngos`` and
``companies``.

Only sentences that say who may apply count ("voivat hakea", "hakijoina voivat olla", "avustusta
voivat saada", "kohdennettu kunnille", "kan beviljas", "kan sökas av", "may apply",
"applicants", "eligible"); a negated sentence ("Stöd beviljas inte privatpersoner") is skipped.
Longer names are matched first, so "joint municipal authorities" is not a public authority and
"research organisations" are not NGOs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.grants.text import UNEVEN_CASE, Document, cues, snippet, twin

ELIGIBLE_IDS: tuple[str, ...] = (
    "municipalities",
    "wellbeing-counties",
    "ngos",
    "companies",
    "educational-institutions",
    "public-bodies",
    "universities",
    "research-organisations",
)

# Ordered: longer and more specific names first; each match masks its words.
_VOCABULARY: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        cues(r"yksityisoikeudelli\w*", r"privaträttslig\w*", r"private[- ]law\w*"),
        ("ngos", "companies"),
    ),
    (
        cues(r"joint municipal authorit\w*", r"kuntayhtym\w*", r"samkommun\w*"),
        ("municipalities",),
    ),
    (
        cues(
            r"research (?:organi[sz]ation|institut)\w*",
            r"tutkimus(?:laito|organisaatio)\w*",
            r"forsknings(?:institut|organisation)\w*",
        ),
        ("research-organisations",),
    ),
    (
        cues(
            r"higher education institution\w*",
            r"yliopisto\w*",
            r"korkeakoulu\w*",
            r"universitet\w*",
            r"högskol\w*",
            r"universit(?:y|ies)",
        ),
        ("universities",),
    ),
    (
        cues(
            r"educational institution\w*",
            r"education providers?",
            r"oppilaito\w*",
            r"koulutusorganisaatio\w*",
            r"koulutuksen järjestäj\w*",
            r"läroanstalt\w*",
            r"utbildningsanordnar\w*",
            r"\bschools?\b",
        ),
        ("educational-institutions",),
    ),
    (
        cues(
            r"wellbeing services? count\w*",
            r"hyvinvointialue\w*",
            r"välfärdsområde\w*",
            r"welfare area\w*",
        ),
        ("wellbeing-counties",),
    ),
    (
        cues(
            r"public(?:-law)? (?:authorit|bod|sector organi[sz]ation)\w*",
            r"government agenc\w*",
            r"viranomai\w*",
            r"valtion viras\w*",
            r"julkisyhteisö\w*",
            r"julkisoikeudelli\w*",
            r"myndighet\w*",
            r"offentligrättslig\w*",
            r"\bauthorities\b",
            r"public-law\w*",
        ),
        ("public-bodies",),
    ),
    (
        cues(
            r"\bkun(?:ta|taa|taan|nat|tien|nille|nissa|nista|nilta|nan|nassa|tia|tiin|nalle)\b",
            r"\bkaupung\w*",
            r"\bkommun(?:er|erna|ernas|en)?\b",
            r"municipalit\w*",
            r"\bcities\b",
        ),
        ("municipalities",),
    ),
    (
        cues(
            r"\bjärjestö(?:t|jen|ille|n|ä|issä|jä|illä)?\b",
            r"\byhdisty\w*",
            r"\bsäätiö\w*",
            r"uskonnolli\w* yhtei?sö\w*",
            r"\bförening\w*",
            r"\bstiftels\w*",
            r"\borganisationer(?:na)?\b",
            r"\bngos?\b",
            r"non-governmental",
            r"civil society",
            r"\borgani[sz]ations?\b",
            r"\bassociations?\b",
            r"\bfoundations?\b",
        ),
        ("ngos",),
    ),
    (
        cues(
            r"\byrity\w*",
            r"\byrityk\w*",
            r"\bföretag\w*",
            r"\bcompan(?:y|ies)\b",
            r"\bbusiness\w*",
            r"\benterprises?\b",
        ),
        ("companies",),
    ),
)

APPLICANT_CUES = cues(
    r"\bvoi(?:vat)?\b(?:\s[\wäö]{1,20}){0,3}\s(?:hakea|saada|olla)\b",
    r"hakijoina",
    r"\bhakijat\b",
    r"\bsaaja",
    r"kohdenne",
    r"kohdiste",
    r"tarkoitettu",
    r"haettavissa\b.{0,60}hankkeisiin",
    r"kan beviljas",
    r"kan sökas av",
    r"kan ansöka",
    r"\bansöka om\b",
    r"\bkan söka\b",
    r"\bsökande\b",
    r"may apply",
    r"can apply",
    r"\bapplicants?\b",
    r"\beligible\b",
    r"(?:granted|open) to\b",
    r"applied for by",
    r"\b(?:special |government )?grants? (?:for|to)\b",
    r"\bfunding for\b",
    r"avustu\w{0,8}\s(?:\w+\s)?(?:kunnille|järjestöille|yhdistyksille|hyvinvointialueille|yrityksille|oppilaitoksille)",
)
NEGATION = cues(r"\bei\b", r"\beivät\b", r"\binte\b", r"\bnot\b", r"\bej\b")


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The eligible applicant ids, in :data:`ELIGIBLE_IDS` order, and the sentences read."""

    eligible: tuple[str, ...] = ()
    evidence: str = ""


def eligible_applicants(doc: Document) -> Eligibility:
    """Who may apply, from the sentences of ``doc`` that say so."""
    found: set[str] = set()
    read: list[str] = []
    for sentence in doc.sentences:
        start, end = sentence.start, sentence.end
        if not doc.search(APPLICANT_CUES, start, end) or doc.search(NEGATION, start, end):
            continue
        ids = applicant_ids(sentence.text)
        if ids:
            found.update(ids)
            read.append(snippet(sentence.text))
    ordered = tuple(name for name in ELIGIBLE_IDS if name in found)
    return Eligibility(ordered, " ".join(read))


def applicant_ids(text: str) -> set[str]:
    """The applicant ids named in ``text`` (longest names first, each word counted once)."""
    found: set[str] = set()
    lowered = None if UNEVEN_CASE.search(text) else text.lower()
    masked = text if lowered is None else lowered  # masking keeps every other offset
    for pattern, ids in _VOCABULARY:
        twin_found = twin(pattern) if lowered is not None else None
        hits = list((twin_found or pattern).finditer(masked))
        if hits:
            found.update(ids)
            for hit in hits:
                masked = (
                    masked[: hit.start()] + " " * (hit.end() - hit.start()) + masked[hit.end() :]
                )
    return found
