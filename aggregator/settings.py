"""Infrastructure settings and secrets, read from the environment and an optional ``.env``.

Domain data (sources, tags, rules, schedules) lives in TOML under ``config/``; this module holds
only what differs between machines. Every field is documented in ``docs/SETTINGS.md`` (a test
checks), and every environment variable is the field name upper-cased with the prefix
``AGGREGATOR_`` except ``DATABASE_URL``, which keeps its conventional name.
``python -m aggregator.settings`` prints the table that file holds.

The settings are a plain dataclass read here rather than a pydantic-settings model: importing
pydantic and pydantic-settings and building the model's schema cost every command about
0.15 CPU-s, half of what a whole unchanged pass may cost. The rules are the ones
pydantic-settings applied: a value passed to ``Settings(...)`` wins over the environment, which
wins over ``.env`` (``_env_file=None`` skips the file); names are matched ignoring case; unknown
names are ignored; a list is given as JSON (``["a", "b"]``), a flag as true/false, 1/0, yes/no
or on/off. A value that does not fit its setting raises :class:`~aggregator.errors.ConfigError`
naming the variable.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from aggregator.errors import ConfigError
from aggregator.resources import package_path, package_root

ENV_PREFIX = "AGGREGATOR_"
ENV_FILE = ".env"
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


class SecretStr:
    """A secret setting: shown as stars in reprs and logs; ``get_secret_value()`` reads it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')" if self._value else "SecretStr('')"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        secret = getattr(other, "get_secret_value", None)
        return callable(secret) and secret() == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def setting(
    *,
    description: str,
    default: Any = dataclasses.MISSING,
    default_factory: Callable[[], Any] | None = None,
    ge: int | None = None,
) -> Any:
    """A documented setting: its default (or a factory for one), its meaning, a lower bound."""
    metadata = {"description": description, "ge": ge}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(init=False)
class Settings:
    """All environment-dependent settings with their defaults.

    ``Settings(**values)`` takes any setting by name over the environment; ``_env_file`` is the
    ``.env`` file read under the environment (None: none).
    """

    def __init__(self, _env_file: str | Path | None = ENV_FILE, **values: Any) -> None:
        found = {**environment_values(_env_file), **values}
        for field in dataclasses.fields(self):
            if field.name in found:
                value = _coerce(field, found[field.name], field.name in values)
            elif field.default_factory is not dataclasses.MISSING:
                value = field.default_factory()
            else:
                value = field.default
            setattr(self, field.name, value)

    def copy_with(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (checked like any value passed in)."""
        copy = dataclasses.replace(self)
        for name, value in changes.items():
            field = next(f for f in dataclasses.fields(self) if f.name == name)
            setattr(copy, name, _coerce(field, value, given=True))
        return copy

    # --- storage and config -----------------------------------------------------------
    database_url: str = setting(
        default="sqlite:///var/aggregator.sqlite3",
        description="SQLAlchemy URL (a relative SQLite path is relative to the working folder); "
        "postgresql+psycopg://... selects PostgreSQL.",
    )
    config_dir: Path = setting(
        default_factory=lambda: package_path("config"),
        description="Folder with sources.toml, taxonomy.toml, rules.toml, schedule.toml "
        "(default: the package's copy of the project's config/).",
    )

    # --- public addresses -------------------------------------------------------------
    base_url: str = setting(
        default="http://127.0.0.1:8000",
        description="Public base URL of the web app; used in feed self links and email links.",
    )
    contact_email: str = setting(
        default="admin@example.org",
        description="Contact address named in the crawler's User-Agent.",
    )

    # --- fetching ---------------------------------------------------------------------
    mirror_url: str | None = setting(
        default=None,
        description="Loopback origin of the recorded-site mirror; when set, real origins are "
        "fetched from it (tests and the demo).",
    )
    mirror_hosts: list[str] = setting(
        default_factory=list,
        description="Hosts sent to the mirror; empty means every host.",
    )
    allow_private_addresses: bool = setting(
        default=False,
        description="Allow fetching loopback/private addresses (SSRF guard off). Never in "
        "production; the mirror origin is always allowed.",
    )
    connect_timeout: float = setting(default=5.0, description="Seconds to open a connection.")
    read_timeout: float = setting(default=15.0, description="Seconds between bytes received.")
    total_timeout: float = setting(default=60.0, description="Seconds for one whole response.")
    max_response_bytes: int = setting(
        default=5_000_000, description="Largest response body accepted, after decompression."
    )
    max_redirects: int = setting(default=5, description="Longest redirect chain followed.")
    retries: int = setting(default=3, description="Retries on timeouts, 429 and 5xx.")
    backoff_base: float = setting(default=1.0, description="First retry delay in seconds.")
    backoff_max: float = setting(
        default=60.0, description="Longest retry delay (also caps Retry-After)."
    )
    host_delay: float = setting(
        default=1.0, description="Minimum seconds between two requests to the same host."
    )
    obey_robots: bool = setting(default=True, description="Honour robots.txt.")
    crawl_workers: int = setting(
        default=32,
        ge=1,
        description="Hosts crawled at the same time by a pass (`aggregator fetch`, the demo) and "
        "sources by the scheduler (unless schedule.toml sets [sources] workers). A host's "
        "sources run one after another in one worker, so a pass takes about as long as its "
        "slowest host while there are at least as many workers as hosts; a worker mostly "
        "waits out polite delays, so raise it to the number of hosts you crawl. 1 reads the "
        "sources one by one.",
    )

    # --- web --------------------------------------------------------------------------
    secret_key: SecretStr = setting(
        default=SecretStr("dev-only-secret-change-me"),
        description="Signs sessions, CSRF tokens and subscriber links. Set it in production.",
    )
    https_cookies: bool = setting(
        default=False,
        description=(
            "The site is served over HTTPS (directly or behind a TLS proxy): the admin session "
            "and CSRF cookies are then always Secure and carry the __Host- prefix, so a "
            "sibling subdomain or a plain-HTTP page cannot plant them."
        ),
    )
    web_host: str = setting(default="127.0.0.1", description="Address `aggregator serve` binds.")
    web_port: int = setting(default=8000, description="Port `aggregator serve` binds.")
    access_log: bool = setting(
        default=False,
        description="`aggregator serve` logs one line per request (uvicorn's access log). Off "
        "by default: the line costs more CPU than a cached feed answer; a reverse proxy usually "
        "keeps the access log. `aggregator serve --access-log` turns it on for one run.",
    )

    # --- mail -------------------------------------------------------------------------
    smtp_host: str = setting(default="127.0.0.1", description="SMTP server host.")
    smtp_port: int = setting(default=2525, description="SMTP server port.")
    smtp_user: str | None = setting(default=None, description="SMTP login, if any.")
    smtp_password: SecretStr | None = setting(default=None, description="SMTP password, if any.")
    smtp_security: Literal["none", "starttls", "tls"] = setting(
        default="none", description="none, starttls or tls (implicit TLS)."
    )
    smtp_timeout: float = setting(default=30.0, description="Seconds for one SMTP operation.")
    mail_from: str = setting(default="uutiskirje@example.org", description="From address.")
    mail_from_name: str = setting(default="Kotoutumisuutiset", description="From display name.")
    mail_rate_per_second: float = setting(
        default=50.0, description="Most messages sent per second (0 = unlimited)."
    )
    dkim_selector: str | None = setting(default=None, description="DKIM selector, if signing.")
    dkim_domain: str | None = setting(default=None, description="DKIM signing domain.")
    dkim_private_key_path: Path | None = setting(
        default=None, description="PEM private key for DKIM; signing is on when all are set."
    )


def environment_values(env_file: str | Path | None = ENV_FILE) -> dict[str, str]:
    """The settings the environment and ``env_file`` give, as text, by field name."""
    found: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values  # only where a .env file exists

        found.update(_by_field(dotenv_values(env_file, encoding="utf-8")))
    found.update(_by_field(os.environ))
    return found


def _by_field(variables: Mapping[str, str | None]) -> dict[str, str]:
    """The variables that name a setting (ignoring case), by field name."""
    folded = {key.upper(): value for key, value in variables.items() if value is not None}
    values = {}
    for field in dataclasses.fields(Settings):
        for variable in _variables(field.name):
            if variable in folded:
                values[field.name] = folded[variable]
                break
    return values


def _variables(field_name: str) -> tuple[str, ...]:
    """The environment variables that set ``field_name``, the first found winning."""
    if field_name == "database_url":
        return ("DATABASE_URL", f"{ENV_PREFIX}DATABASE_URL")
    return (f"{ENV_PREFIX}{field_name.upper()}",)


def environment_name(field_name: str) -> str:
    """The environment variable that sets ``field_name``."""
    return _variables(field_name)[0]


@cache
def _annotations() -> dict[str, Any]:
    return get_type_hints(Settings, globalns={**globals(), "Path": Path})


def _coerce(field: dataclasses.Field[Any], value: Any, given: bool) -> Any:
    """``value`` (text from the environment, or a value passed in) as the field's type."""
    where = f"setting {field.name}" if given else environment_name(field.name)
    try:
        coerced = _as_type(_annotations()[field.name], value)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: {error}") from None
    bound = field.metadata.get("ge")
    if bound is not None and coerced < bound:
        raise ConfigError(f"{where}: must be at least {bound}, got {coerced}")
    return coerced


def _as_type(annotation: Any, value: Any) -> Any:
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        return _as_type(next(a for a in arguments if a is not type(None)), value)
    if origin is Literal:
        if value not in arguments:
            raise ValueError(f"expected one of {list(arguments)}, got {value!r}")
        return value
    if origin is list:
        items = json.loads(value) if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError(f"expected a JSON list, got {value!r}")
        return [_as_type(arguments[0], item) for item in items]
    return _as_plain(annotation, value)


def _as_plain(kind: Any, value: Any) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ValueError(f"expected true or false, got {value!r}")
    if kind is SecretStr:
        secret = getattr(value, "get_secret_value", None)
        return SecretStr(secret() if callable(secret) else str(value))
    if kind in (int, float):
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        return kind(value)
    if kind is Path:
        return Path(value)
    if kind is str:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r}")
        return value
    raise TypeError(f"unsupported setting type {kind!r}")


def documented_settings() -> list[tuple[str, Any, str]]:
    """Every setting as (field name, default, meaning), in declaration order."""
    found = []
    for field in dataclasses.fields(Settings):
        default = (
            field.default_factory()
            if field.default_factory is not dataclasses.MISSING
            else field.default
        )
        found.append((field.name, default, field.metadata["description"]))
    return found


def settings_markdown() -> str:
    """The table of every setting for ``docs/SETTINGS.md`` (a test keeps the file in step)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, default, description in documented_settings():
        shown = "(set it)" if isinstance(default, SecretStr) else str(default)
        shown = shown.replace(str(package_root()), "<package>")
        rows.append(f"| `{environment_name(name)}` | `{shown}` | {description} |")
    return "\n".join(rows) + "\n"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own :class:`Settings` instead)."""
    return Settings()


if __name__ == "__main__":
    print(settings_markdown(), end="")
