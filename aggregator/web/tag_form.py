"""The taxonomy editor's form: labels and descriptions of an audience or topic, and a new
topic's id. Pure: the posted values in, the draft and an error key per field out.

Labels are one line each and all three (fi, sv, en) are required: every page, feed and digest
shows a tag in its reader's language. Of the descriptions (what belongs under the tag, for the
admins who write rules) at least one is required. A new topic's id must match
:data:`~aggregator.tagging.taxonomy.TAG_ID_RE`, because it becomes part of feed addresses and
subscriptions, and be unused; ``new`` is reserved for the "add a topic" page. Error keys are
turned into sentences in the admin's language by ``templates/admin/tag_edit.html``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from starlette.datastructures import FormData

from aggregator.tagging.taxonomy import TAG_ID_RE
from aggregator.types import LANGUAGES

ID_MAX = 64  # the tag table's id column
LABEL_MAX = 100
DESCRIPTION_MAX = 2000
RESERVED_IDS = frozenset({"new"})
LABEL_FIELDS = tuple(f"label_{language}" for language in LANGUAGES)
DESCRIPTION_FIELDS = tuple(f"description_{language}" for language in LANGUAGES)
DESCRIPTIONS = "descriptions"  # the error key of the description group as a whole
_READ_LIMIT = 20_000  # what is kept of an absurdly long value, for redisplay with its error


@dataclass(frozen=True, slots=True)
class TagForm:
    """A tag's editable texts as typed (labels already on one line)."""

    id: str = ""
    label_fi: str = ""
    label_sv: str = ""
    label_en: str = ""
    description_fi: str = ""
    description_sv: str = ""
    description_en: str = ""

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> TagForm:
        """The form for a stored tag (a ``TagRow`` dumped to a dict)."""
        return cls(**{name: str(stored.get(name) or "") for name in cls.__dataclass_fields__})

    def texts(self) -> dict[str, str]:
        """The labels and descriptions, keyed like the tag table's columns."""
        values = asdict(self)
        return {name: values[name] for name in (*LABEL_FIELDS, *DESCRIPTION_FIELDS)}

    def changes(self, stored: Mapping[str, Any]) -> dict[str, str]:
        """The texts that differ from ``stored`` (empty: nothing to save)."""
        return {name: value for name, value in self.texts().items() if stored.get(name) != value}


def _value(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value[:_READ_LIMIT] if isinstance(value, str) else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def parse_tag_form(form: FormData) -> TagForm:
    """The submitted values, tidied: ids and labels on one line, descriptions trimmed."""
    return TagForm(
        id=_value(form, "id").strip(),
        **{name: _one_line(_value(form, name)) for name in LABEL_FIELDS},
        **{name: _paragraphs(_value(form, name)) for name in DESCRIPTION_FIELDS},
    )


def _id_error(tag_id: str, taken: set[str]) -> str | None:
    if not tag_id:
        return "required"
    if len(tag_id) > ID_MAX:
        return "too-long"
    if not TAG_ID_RE.match(tag_id):
        return "bad-id"
    if tag_id in RESERVED_IDS:
        return "reserved-id"
    return "id-taken" if tag_id in taken else None


def _text_error(text: str, limit: int, required: bool) -> str | None:
    if required and not text:
        return "required"
    return "too-long" if len(text) > limit else None


def check_tag_form(
    draft: TagForm, others: Iterable[Mapping[str, Any]], *, is_new: bool
) -> dict[str, str]:
    """An error key per field of ``draft``, checked against every other tag (by id and labels).

    ``others`` are the other tags of the taxonomy, active or not; the edited tag is not among
    them. Only a new tag's id is checked: an existing tag keeps the id it has.
    """
    others = list(others)
    errors: dict[str, str | None] = {}
    if is_new:
        errors["id"] = _id_error(draft.id, {str(tag["id"]) for tag in others})
    for name in LABEL_FIELDS:
        label = getattr(draft, name)
        used = {str(tag.get(name) or "").casefold() for tag in others}
        errors[name] = _text_error(label, LABEL_MAX, required=True) or (
            "label-taken" if label.casefold() in used else None
        )
    for name in DESCRIPTION_FIELDS:
        errors[name] = _text_error(getattr(draft, name), DESCRIPTION_MAX, required=False)
    if not any(getattr(draft, name) for name in DESCRIPTION_FIELDS):
        errors[DESCRIPTIONS] = "description-required"
    return {name: error for name, error in errors.items() if error}
