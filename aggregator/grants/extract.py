"""Extract a grant call's structured fields from an item's text: :func:`extract_grant`.

The extractor reads the title and body (fi, sv or en) sentence by sentence: whether the item
announces a call (:mod:`.announcement`), the call's opening and closing (:mod:`.dates`), the
total available (:mod:`.amounts`), who may apply (:mod:`.eligibility`) and programme, funder,
where to apply, reference and rolling (:mod:`.parties`). Structured fields from the grant
portal (:mod:`.structured`) win over the text.

Returned datetimes are aware, in Europe/Helsinki (the time zone every Finnish call is written
in; ``astimezone(UTC)`` for storage), and only when the text gave a time; otherwise plain
dates, a date-only deadline lasting to the end of that day in Helsinki.

An item that is not a call gets ``GrantFields(is_call=False)`` with every other field empty and
the reason in ``evidence["is_call"]``: the fields describe a call, and a news item about grants
already awarded has none. The function never raises on any text and bounds its work
(:data:`aggregator.grants.text.MAX_CHARS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from aggregator.clock import helsinki_date
from aggregator.grants.amounts import call_amount
from aggregator.grants.announcement import (
    announces_call,
    may_speak_of_applying,
    refused_without_dates,
)
from aggregator.grants.dates import CallPeriod, call_period
from aggregator.grants.eligibility import eligible_applicants
from aggregator.grants.parties import (
    EU_HOME_AFFAIRS,
    Found,
    apply_url,
    funder,
    normalise_funder,
    programme,
    programmes_named,
    reference,
    rolling,
)
from aggregator.grants.structured import StructuredFields, read_structured
from aggregator.grants.text import Document, document
from aggregator.types import GrantFields

PORTAL_HOST = "haeavustuksia.fi"


def extract_grant(
    title: str,
    body: str,
    *,
    published: date | datetime | None,
    language: str,
    structured: Mapping[str, Any] | None = None,
    source_id: str = "",
    url: str = "",
) -> GrantFields:
    """The grant-call fields of one item (see the module docstring).

    ``published`` gives the year of dates written without one; ``url`` (the item's own page)
    is the place to apply when it is on the grant portal. ``source_id`` is accepted so the
    pipeline can pass what it has, but no rule uses it: the text and ``structured`` decide.
    """
    given = read_structured(structured)
    if given.any or may_speak_of_applying(title or "", body or ""):
        doc = document(title or "", body or "")
    else:  # not a call, whatever the body says: only the title can change the refusal's reason
        doc = document(title or "", "")
    refusal = None if given.any else refused_without_dates(doc)
    if refusal is not None:  # decided without scanning a single date
        return GrantFields(is_call=False, evidence={"is_call": refusal.evidence})
    day = _publication_day(published)
    period = _merge_period(call_period(doc, day), given)
    found_rolling = Found("yes", "structured") if given.rolling else rolling(doc)
    verdict = announces_call(
        doc,
        has_call_dates=bool(period.opens_at or period.closes_at),
        rolling=found_rolling.value is not None,
        checked_without_dates=not given.any,
    )
    if not (verdict.is_call or given.any):
        return GrantFields(is_call=False, evidence={"is_call": verdict.evidence})
    return _call_fields(doc, language, period, given, found_rolling, url)


def _call_fields(
    doc: Document,
    language: str,
    period: CallPeriod,
    given: StructuredFields,
    found_rolling: Found,
    url: str,
) -> GrantFields:
    found_programme = programme(doc)
    found_funder = _funder(doc, found_programme.value, given)
    several = len([p for p in programmes_named(doc) if p in EU_HOME_AFFAIRS]) > 1
    amount = call_amount(doc, language, found_programme.value, several)
    eligibility = eligible_applicants(doc)
    found_url = _apply_url(doc, url)
    found_reference = Found(given.reference, "structured") if given.reference else reference(doc)
    evidence = {
        "opens_at": period.opens_evidence,
        "closes_at": period.closes_evidence,
        "amount_eur": amount.evidence,
        "programme": found_programme.evidence,
        "funder": found_funder.evidence,
        "eligible": eligibility.evidence,
        "apply_url": found_url.evidence,
        "reference": found_reference.evidence,
        "rolling": found_rolling.evidence,
        "structured": "; ".join(given.problems),
    }
    return GrantFields(
        is_call=True,
        opens_at=period.opens_at,
        closes_at=period.closes_at,
        amount_eur=amount.amount_eur,
        programme=found_programme.value,
        funder=found_funder.value,
        eligible=eligibility.eligible,
        apply_url=found_url.value,
        rolling=found_rolling.value is not None,
        reference=found_reference.value,
        evidence={key: value for key, value in evidence.items() if value},
    )


def _publication_day(published: date | datetime | None) -> date | None:
    if isinstance(published, datetime):
        return helsinki_date(published) if published.tzinfo else published.date()
    return published


def _merge_period(period: CallPeriod, given: StructuredFields) -> CallPeriod:
    """Structured times win over the text's."""
    return CallPeriod(
        opens_at=given.opens_at or period.opens_at,
        closes_at=given.closes_at or period.closes_at,
        opens_evidence="structured" if given.opens_at else period.opens_evidence,
        closes_evidence="structured" if given.closes_at else period.closes_evidence,
    )


def _funder(doc: Document, programme_name: str | None, given: StructuredFields) -> Found:
    if given.organisation:
        return Found(normalise_funder(given.organisation), "structured")
    return funder(doc, programme_name)


def _apply_url(doc: Document, url: str) -> Found:
    found = apply_url(doc)
    if found.value and not found.value.endswith("haeavustuksia.fi/"):
        return found
    try:
        host = (urlsplit(url).hostname or "") if url else ""
    except ValueError:
        host = ""
    if host == PORTAL_HOST or host.endswith("." + PORTAL_HOST):
        return Found(url, "the item's own page on the grant portal")
    return found
