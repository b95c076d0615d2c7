"""The rule workbench form: labelled fields in, a rule record out, each error next to its field.

Terms are typed one per line; fields, languages and sources are checkboxes. The record has the
shape of :mod:`aggregator.tagging.rules` (``id``, ``tag``, ``any``/``all``/``none`` ...), so
the tagging engine's own checks decide what is valid; :func:`errors_by_field` files each of its
messages under the form field it names (messages naming no field go to the top of the form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from aggregator.i18n import gettext
from aggregator.tagging.rules import FIELDS

TERM_FIELDS = ("any", "all", "none")
FORM_FIELDS = ("id", "tag", *TERM_FIELDS, "fields", "languages", "sources", "description")
_QUOTED_KEY = re.compile(r"^'(\w+)'|^(?:unknown )?(id|tag|field)\b")
_FIELD_ALIASES = {"field": "fields"}


@dataclass(frozen=True, slots=True)
class RuleForm:
    """A draft rule as typed (lists one per line), for redisplay and for the record."""

    id: str = ""
    tag: str = ""
    any: str = ""
    all: str = ""
    none: str = ""
    fields: tuple[str, ...] = FIELDS
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    enabled: bool = True
    description: str = ""

    @classmethod
    def of(cls, definition: Mapping[str, Any]) -> RuleForm:
        """The form for a stored rule record."""

        def lines(key: str) -> str:
            return "\n".join(str(term) for term in definition.get(key, ()))

        return cls(
            id=str(definition.get("id", "")),
            tag=str(definition.get("tag", "")),
            any=lines("any"),
            all=lines("all"),
            none=lines("none"),
            fields=tuple(definition.get("fields", FIELDS)),
            languages=tuple(definition.get("languages", ())),
            sources=tuple(definition.get("sources", ())),
            enabled=bool(definition.get("enabled", True)),
            description=str(definition.get("description", "")),
        )

    def record(self) -> dict[str, Any]:
        """The rule record the tagging engine validates (empty term lists left out)."""
        record: dict[str, Any] = {"id": self.id, "tag": self.tag}
        for key in TERM_FIELDS:
            terms = _lines(getattr(self, key))
            if terms:
                record[key] = terms
        record.update(
            fields=list(self.fields),
            languages=list(self.languages),
            sources=list(self.sources),
            enabled=self.enabled,
            description=self.description,
        )
        return record


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _checked(form: FormData, name: str, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    if allowed is not None:
        known = tuple(allowed)
        values = [v for v in known if v in values]
    return tuple(dict.fromkeys(values))


def parse_rule_form(form: FormData) -> RuleForm:
    return RuleForm(
        id=_text(form, "id", 80),
        tag=_text(form, "tag", 64),
        any=_text(form, "any", 10_000),
        all=_text(form, "all", 10_000),
        none=_text(form, "none", 10_000),
        fields=_checked(form, "fields", FIELDS),
        languages=_checked(form, "languages")[:10],
        sources=_checked(form, "sources")[:100],
        enabled=form.get("enabled") == "on",
        description=_text(form, "description", 2000),
    )


def errors_by_field(messages: Iterable[str]) -> dict[str, list[str]]:
    """Messages filed under the form field they are about; ``""`` holds the rest."""
    found: dict[str, list[str]] = {}
    for message in messages:
        match = _QUOTED_KEY.match(message)
        name = (match.group(1) or match.group(2)) if match else ""
        name = _FIELD_ALIASES.get(name, name)
        if name not in FORM_FIELDS:
            name = _guess_field(message)
        found.setdefault(name, []).append(message)
    return found


def _guess_field(message: str) -> str:
    if "'any' or 'all'" in message:
        return "any"
    if "vetoed" in message:
        return "none"
    return ""


# The tagging engine checks rules in English (its messages also go to logs and the CLI); the
# workbench shows them in the admin's language. Each pattern names its parts, which the
# translation places; a message no pattern knows is shown as the engine wrote it.
_RULE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"^'(?P<field>\w+)' is missing or empty$", "%(field)s is missing or empty"),
        (
            r"^'(?P<field>\w+)' is empty: list at least one term or leave the key out$",
            "%(field)s is empty: list at least one term or leave the field empty",
        ),
        (
            r"^a rule needs at least one term in 'any' or 'all'$",
            "A rule needs at least one term in “any” or “all”.",
        ),
        (
            r"^term '(?P<term>.*)' is both required and vetoed \('none'\)$",
            "The term “%(term)s” is both required and vetoed (“none”).",
        ),
        (
            r"^id '(?P<id>.*)' must be a lower-case slug \(a-z, 0-9, \. _ -\)$",
            "The id “%(id)s” may only have lower-case letters a–z, digits and . _ -",
        ),
        (
            r"^id '(?P<id>.*)' is already used by another rule$",
            "The id “%(id)s” is already used by another rule.",
        ),
        (r"^unknown tag id '(?P<id>.*)'; known: .*$", "Unknown tag “%(id)s”."),
        (
            r"^'fields' is empty: list title, summary and/or body$",
            "Choose at least one field: title, summary or body.",
        ),
        (
            r"^'(?P<field>\w+)' term '(?P<term>.*)': is longer than (?P<limit>\d+) characters$",
            "The term “%(term)s” is longer than %(limit)s characters.",
        ),
        (
            r"^'(?P<field>\w+)' term '(?P<term>.*)': has more than (?P<limit>\d+) words$",
            "The term “%(term)s” has more than %(limit)s words.",
        ),
        (r"^term '(?P<term>.*)' is listed twice$", "The term “%(term)s” is listed twice."),
        (
            r"^'(?P<field>\w+)' term '(?P<term>.*)': looks like a regular expression or "
            r"wildcard.*$",
            "The term “%(term)s” looks like a regular expression or a wildcard: write the "
            "base form (e.g. “kunta”); inflections and compounds match automatically.",
        ),
        (
            r"^term '(?P<term>.*)': '(?P<word>.*)' is not a word the .* analysers know and "
            r"not an acronym, so only that exact form will match$",
            "The term “%(term)s”: the analysers do not know the word “%(word)s” and it is "
            "not an acronym, so only that exact form will match.",
        ),
    )
)


def rule_message(message: str, language: str) -> str:
    """An error or warning of the rule check in ``language`` (see :data:`_RULE_MESSAGES`)."""
    for pattern, msgid in _RULE_MESSAGES:
        match = pattern.match(message)
        if match:
            return gettext(language, msgid, **match.groupdict())
    return message
