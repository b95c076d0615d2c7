"""Translations: Finnish first, with Swedish and English.

Message ids are English. Catalogues are gettext ``.po`` files under
``aggregator/locale/<lang>/LC_MESSAGES/<domain>.po`` (one domain per area: ``web``, ``email``,
``feeds``); all domains of a language are merged and compiled in memory on first use, so there
is no build step and no binary file in the repository.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from aggregator.resources import package_path

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LOCALE_DIR = package_path("locale")
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def reading_order(language: str, wanted: Sequence[str]) -> tuple[str, ...]:
    """The languages a story is shown in, most wanted first: ``language`` (of the page, feed
    or email) unless the reader chose other news languages, then those, ``language`` first
    when it is among them."""
    if not wanted:
        return (language,)
    return tuple(dict.fromkeys([*(x for x in (language,) if x in wanted), *wanted]))


def normalise_language(value: str | None) -> str:
    """One of :data:`LANGUAGES` (the default for anything else)."""
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def _compile(po_path: Path, language: str) -> Translations:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@lru_cache(maxsize=8)
def translations(language: str) -> NullTranslations:
    """All catalogues of ``language`` merged; English (the message ids) needs none."""
    merged: NullTranslations = NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for po_path in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        compiled = _compile(po_path, language)
        if isinstance(merged, Translations):
            merged.merge(compiled)
        else:
            merged = compiled
    return merged


def gettext(language: str, message: str, **variables: Any) -> str:
    """``message`` translated into ``language`` with ``%(name)s`` variables filled in."""
    text = translations(normalise_language(language)).gettext(message)
    return text % variables if variables else text


def ngettext(language: str, singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(normalise_language(language)).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def template_functions(language: str) -> dict[str, Callable[..., str]]:
    """``gettext``/``ngettext``/``_`` for one render, escaping variables like Jinja's own."""
    catalogue = translations(normalise_language(language))

    @pass_context
    def _gettext(context: Context, message: str, **variables: Any) -> str:
        text = catalogue.gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue text; variables get escaped
        return text % variables if variables else text

    @pass_context
    def _ngettext(context: Context, singular: str, plural: str, n: int, **variables: Any) -> str:
        text = catalogue.ngettext(singular, plural, n)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalogue text; variables get escaped
        return text % {"num": n, **variables}

    return {"gettext": _gettext, "ngettext": _ngettext, "_": _gettext}
