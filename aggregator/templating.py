"""The one shared Jinja2 environment for web pages and emails.

Autoescaping is on for HTML; the language of a render is chosen per call through
:func:`render` (gettext functions passed in the context), so one environment serves
subscribers in Finnish, Swedish and English at the same time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from aggregator.display import (
    format_date,
    format_datetime,
    format_number,
    funder_name,
    programme_label,
)
from aggregator.i18n import LANGUAGE_NAMES, normalise_language, template_functions
from aggregator.resources import package_path

TEMPLATES_DIR = package_path("templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = format_datetime
    env.filters["date"] = format_date
    env.filters["number"] = format_number
    env.filters["funder"] = funder_name
    env.filters["programme"] = programme_label
    env.globals["language_names"] = LANGUAGE_NAMES  # each in its own language
    return env


def render(template_name: str, language: str, **context: Any) -> str:
    """Render ``template_name`` in ``language`` (fi, sv or en)."""
    language = normalise_language(language)
    template = environment().get_template(template_name)
    return template.render(lang=language, **template_functions(language), **context)
