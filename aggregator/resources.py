"""The files the package carries beside its code, found through :mod:`importlib.resources`.

Templates, translations, static files, the default configuration and the demo's recorded sites
are package data: a wheel carries them inside ``aggregator/``, so an installed package finds
them wherever it is installed and whatever the working folder. In a checkout,
``aggregator/templates``, ``aggregator/config`` and ``aggregator/demo/sites`` are links to the
project's top-level ``templates/``, ``config/`` and ``tests/fixtures/sites/``, where the
project's layout keeps them; the build copies what they point to into the wheel.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(*parts: str) -> Path:
    """The file or folder ``parts`` inside the installed ``aggregator`` package."""
    return Path(str(files("aggregator").joinpath(*parts)))


def package_root() -> Path:
    """The installed ``aggregator`` package's own folder."""
    return package_path()
