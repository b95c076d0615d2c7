"""The taxonomy editor's form, without a database: tidying, every error key, what changed."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import FormData

from aggregator.web.tag_form import (
    DESCRIPTION_MAX,
    ID_MAX,
    LABEL_MAX,
    TagForm,
    check_tag_form,
    parse_tag_form,
)

GOOD = {
    "id": "language-training",
    "label_fi": "Kielikoulutus",
    "label_sv": "Språkutbildning",
    "label_en": "Language training",
    "description_fi": "",
    "description_sv": "",
    "description_en": "Language courses.",
}
OTHERS: list[dict[str, Any]] = [
    {"id": "placement", "label_fi": "Kuntapaikat", "label_sv": "Kommunplatser", "label_en": "X"},
    {"id": "funding", "label_fi": "Rahoitus", "label_sv": "Finansiering", "label_en": "Funding"},
]


def _form(**values: str) -> TagForm:
    return parse_tag_form(FormData({**GOOD, **values}))


def _errors(is_new: bool = True, **values: str) -> dict[str, str]:
    return check_tag_form(_form(**values), OTHERS, is_new=is_new)


def test_a_good_form_has_no_errors_and_gives_the_stored_texts() -> None:
    form = _form()
    assert _errors() == {}
    assert form.texts() == {key: value for key, value in GOOD.items() if key != "id"}


def test_labels_are_put_on_one_line_and_descriptions_trimmed() -> None:
    form = _form(
        id="  koto-digi ",
        label_fi="  Koto-digi \n ja\tAJ  ",
        description_fi="\n  Ensimmäinen rivi.   \r\nToinen rivi.  \n\n",
    )
    assert form.id == "koto-digi"
    assert form.label_fi == "Koto-digi ja AJ"
    assert form.description_fi == "Ensimmäinen rivi.\nToinen rivi."


def test_missing_fields_read_as_empty() -> None:
    form = parse_tag_form(FormData({"label_fi": "Vain suomeksi"}))
    assert form == TagForm(label_fi="Vain suomeksi")
    errors = check_tag_form(form, OTHERS, is_new=True)
    assert errors == {
        "id": "required",
        "label_sv": "required",
        "label_en": "required",
        "descriptions": "description-required",
    }


@pytest.mark.parametrize(
    ("tag_id", "error"),
    [
        ("Language-Training", "bad-id"),
        ("language training", "bad-id"),
        ("language_training", "bad-id"),
        ("language--training", "bad-id"),
        ("-language", "bad-id"),
        ("language-", "bad-id"),
        ("2026-events", "bad-id"),
        ("kieli-ä", "bad-id"),
        ("a" * (ID_MAX + 1), "too-long"),
        ("new", "reserved-id"),
        ("placement", "id-taken"),
        ("funding", "id-taken"),
    ],
)
def test_a_new_id_must_be_a_free_slug(tag_id: str, error: str) -> None:
    assert _errors(id=tag_id) == {"id": error}


def test_good_ids_pass() -> None:
    for tag_id in ("a", "koto-digi", "temporary-protection", "amif2", "a" * ID_MAX):
        assert _errors(id=tag_id) == {}, tag_id


def test_an_edited_tag_keeps_its_id_unchecked() -> None:
    assert _errors(is_new=False, id="") == {}


def test_labels_are_required_short_and_unique_per_language() -> None:
    assert _errors(label_fi=" ") == {"label_fi": "required"}
    assert _errors(label_sv="x" * (LABEL_MAX + 1)) == {"label_sv": "too-long"}
    assert _errors(label_en="x" * LABEL_MAX) == {}
    assert _errors(label_fi="KUNTAPAIKAT") == {"label_fi": "label-taken"}
    assert _errors(label_en="Kuntapaikat") == {}  # another language's label is no clash


def test_one_description_is_enough_and_each_has_a_limit() -> None:
    assert _errors(description_en="") == {"descriptions": "description-required"}
    assert _errors(description_en="", description_sv="Språkkurser.") == {}
    too_long = "x" * (DESCRIPTION_MAX + 1)
    assert _errors(description_fi=too_long) == {"description_fi": "too-long"}


def test_changes_lists_only_what_differs_from_the_stored_tag() -> None:
    stored = {**GOOD, "kind": "topic", "active": True, "position": 12}
    assert _form().changes(stored) == {}
    edited = _form(label_en="Language courses", description_fi="Kielikurssit.")
    assert edited.changes({**GOOD}) == {
        "label_en": "Language courses",
        "description_fi": "Kielikurssit.",
    }
    assert TagForm.of({**stored, "description_fi": None}) == _form()  # None reads as empty
