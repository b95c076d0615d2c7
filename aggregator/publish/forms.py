"""Read and check what a person submits when subscribing or changing preferences. Pure.

The web form and ``aggregator subscribers add`` both go through :func:`check_subscription`, so
the rules are the same everywhere: a plausible address, at least one audience or topic, only
offered choices, daily or weekly, fi/sv/en, and (when subscribing) consent. Errors are English
message ids keyed by field name; the pages translate them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from aggregator.i18n import LANGUAGES
from aggregator.publish.choose import TagInfo
from aggregator.store.subscribers import Frequency, Preferences

MAX_EMAIL_LENGTH = 254
# Deliberately plain: ASCII local part and dotted host name; the confirmation mail is the
# real test of an address.
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)

# Message ids (English); translated in aggregator/locale/*/LC_MESSAGES/email.po.
EMAIL_MISSING = "Enter your email address."
EMAIL_INVALID = "Enter an email address in the form name@example.fi."
NOTHING_CHOSEN = "Choose at least one audience or topic."
UNKNOWN_CHOICE = "Choose only from the options listed."
FREQUENCY_INVALID = "Choose daily or weekly."
LANGUAGE_INVALID = "Choose suomi, svenska or English."
CONSENT_MISSING = "To subscribe, agree to receiving the digest and to us keeping your choices."
ERROR_MESSAGES = (
    EMAIL_MISSING,
    EMAIL_INVALID,
    NOTHING_CHOSEN,
    UNKNOWN_CHOICE,
    FREQUENCY_INVALID,
    LANGUAGE_INVALID,
    CONSENT_MISSING,
)


@dataclass(frozen=True, slots=True)
class SourceChoice:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Choices:
    """What the form offers: audiences and topics from the taxonomy, and sources."""

    audiences: tuple[TagInfo, ...]
    topics: tuple[TagInfo, ...]
    sources: tuple[SourceChoice, ...] = ()


@dataclass(frozen=True, slots=True)
class SubmittedForm:
    """The raw values of the form (lists are checkbox values)."""

    email: str = ""
    audiences: Sequence[str] = ()
    topics: Sequence[str] = ()
    sources: Sequence[str] = ()
    frequency: str = ""
    language: str = ""
    consent: bool = False
    news_languages: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class CheckedForm:
    """The form as checked: ``preferences`` is set only when ``errors`` is empty."""

    submitted: SubmittedForm
    preferences: Preferences | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_email(email: str) -> str | None:
    """The error message id for ``email``, or None when it is acceptable."""
    email = email.strip()
    if not email:
        return EMAIL_MISSING
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_RE.match(email):
        return EMAIL_INVALID
    return None


def check_preferences(form: SubmittedForm, choices: Choices) -> CheckedForm:
    """Check the preference fields only (the preferences page has no address or consent)."""
    errors: dict[str, str] = {}
    _check_subset("audiences", form.audiences, [t.id for t in choices.audiences], errors)
    _check_subset("topics", form.topics, [t.id for t in choices.topics], errors)
    _check_subset("sources", form.sources, [s.id for s in choices.sources], errors)
    _check_subset("news_languages", form.news_languages, LANGUAGES, errors)
    if not form.audiences and not form.topics:
        errors["audiences"] = NOTHING_CHOSEN
    if form.frequency not in {f.value for f in Frequency}:
        errors["frequency"] = FREQUENCY_INVALID
    if form.language not in LANGUAGES:
        errors["language"] = LANGUAGE_INVALID
    if errors:
        return CheckedForm(form, None, errors)
    return CheckedForm(form, _preferences(form, choices))


def check_subscription(form: SubmittedForm, choices: Choices) -> CheckedForm:
    """Check a new subscription: address, preferences and consent."""
    checked = check_preferences(form, choices)
    errors = dict(checked.errors)
    email_error = check_email(form.email)
    if email_error:
        errors["email"] = email_error
    if not form.consent:
        errors["consent"] = CONSENT_MISSING
    if errors:
        return CheckedForm(form, None, _in_form_order(errors))
    return checked


def _check_subset(
    name: str, values: Sequence[str], allowed: Sequence[str], errors: dict[str, str]
) -> None:
    if set(values) - set(allowed):
        errors[name] = UNKNOWN_CHOICE


def _preferences(form: SubmittedForm, choices: Choices) -> Preferences:
    """Choices kept in the order the form lists them, each once."""
    return Preferences(
        audiences=tuple(t.id for t in choices.audiences if t.id in form.audiences),
        topics=tuple(t.id for t in choices.topics if t.id in form.topics),
        sources=tuple(s.id for s in choices.sources if s.id in form.sources),
        frequency=Frequency(form.frequency),
        language=form.language,
        languages=tuple(x for x in LANGUAGES if x in form.news_languages),
    )


FIELD_ORDER = (
    "email",
    "audiences",
    "topics",
    "sources",
    "news_languages",
    "frequency",
    "language",
    "consent",
)


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    return {name: errors[name] for name in FIELD_ORDER if name in errors}
