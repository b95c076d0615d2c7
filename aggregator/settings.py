"""Infrastructure settings and secrets, read from the environment and an optional ``.env``.

Domain data (sources, tags, rules, schedules) lives in TOML under ``config/``; this module holds
only what differs between machines. Every field is documented in ``docs/SETTINGS.md`` (a test
checks), and every environment variable is the field name upper-cased with the prefix
``AGGREGATOR_`` except ``DATABASE_URL``, which keeps its conventional name.
``python -m aggregator.settings`` prints the table that file holds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from aggregator.resources import package_path, package_root


class Settings(BaseSettings):
    """All environment-dependent settings with their defaults."""

    model_config = SettingsConfigDict(
        env_prefix="AGGREGATOR_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # --- storage and config -----------------------------------------------------------
    database_url: str = Field(
        default="sqlite:///var/aggregator.sqlite3",
        validation_alias=AliasChoices("DATABASE_URL", "AGGREGATOR_DATABASE_URL"),
        description="SQLAlchemy URL (a relative SQLite path is relative to the working folder); "
        "postgresql+psycopg://... selects PostgreSQL.",
    )
    config_dir: Path = Field(
        default_factory=lambda: package_path("config"),
        description="Folder with sources.toml, taxonomy.toml, rules.toml, schedule.toml "
        "(default: the package's copy of the project's config/).",
    )

    # --- public addresses -------------------------------------------------------------
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public base URL of the web app; used in feed self links and email links.",
    )
    contact_email: str = Field(
        default="admin@example.org",
        description="Contact address named in the crawler's User-Agent.",
    )

    # --- fetching ---------------------------------------------------------------------
    mirror_url: str | None = Field(
        default=None,
        description="Loopback origin of the recorded-site mirror; when set, real origins are "
        "fetched from it (tests and the demo).",
    )
    mirror_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts sent to the mirror; empty means every host.",
    )
    allow_private_addresses: bool = Field(
        default=False,
        description="Allow fetching loopback/private addresses (SSRF guard off). Never in "
        "production; the mirror origin is always allowed.",
    )
    connect_timeout: float = Field(default=5.0, description="Seconds to open a connection.")
    read_timeout: float = Field(default=15.0, description="Seconds between bytes received.")
    total_timeout: float = Field(default=60.0, description="Seconds for one whole response.")
    max_response_bytes: int = Field(
        default=5_000_000, description="Largest response body accepted, after decompression."
    )
    max_redirects: int = Field(default=5, description="Longest redirect chain followed.")
    retries: int = Field(default=3, description="Retries on timeouts, 429 and 5xx.")
    backoff_base: float = Field(default=1.0, description="First retry delay in seconds.")
    backoff_max: float = Field(
        default=60.0, description="Longest retry delay (also caps Retry-After)."
    )
    host_delay: float = Field(
        default=1.0, description="Minimum seconds between two requests to the same host."
    )
    obey_robots: bool = Field(default=True, description="Honour robots.txt.")
    crawl_workers: int = Field(
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
    secret_key: SecretStr = Field(
        default=SecretStr("dev-only-secret-change-me"),
        description="Signs sessions, CSRF tokens and subscriber links. Set it in production.",
    )
    https_cookies: bool = Field(
        default=False,
        description=(
            "The site is served over HTTPS (directly or behind a TLS proxy): the admin session "
            "and CSRF cookies are then always Secure and carry the __Host- prefix, so a "
            "sibling subdomain or a plain-HTTP page cannot plant them."
        ),
    )
    web_host: str = Field(default="127.0.0.1", description="Address `aggregator serve` binds.")
    web_port: int = Field(default=8000, description="Port `aggregator serve` binds.")
    access_log: bool = Field(
        default=False,
        description="`aggregator serve` logs one line per request (uvicorn's access log). Off "
        "by default: the line costs more CPU than a cached feed answer; a reverse proxy usually "
        "keeps the access log. `aggregator serve --access-log` turns it on for one run.",
    )

    # --- mail -------------------------------------------------------------------------
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server host.")
    smtp_port: int = Field(default=2525, description="SMTP server port.")
    smtp_user: str | None = Field(default=None, description="SMTP login, if any.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password, if any.")
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="none, starttls or tls (implicit TLS)."
    )
    smtp_timeout: float = Field(default=30.0, description="Seconds for one SMTP operation.")
    mail_from: str = Field(default="uutiskirje@example.org", description="From address.")
    mail_from_name: str = Field(default="Kotoutumisuutiset", description="From display name.")
    mail_rate_per_second: float = Field(
        default=50.0, description="Most messages sent per second (0 = unlimited)."
    )
    dkim_selector: str | None = Field(default=None, description="DKIM selector, if signing.")
    dkim_domain: str | None = Field(default=None, description="DKIM signing domain.")
    dkim_private_key_path: Path | None = Field(
        default=None, description="PEM private key for DKIM; signing is on when all are set."
    )


def environment_name(field_name: str) -> str:
    """The environment variable that sets ``field_name``."""
    return "DATABASE_URL" if field_name == "database_url" else f"AGGREGATOR_{field_name.upper()}"


def settings_markdown() -> str:
    """The table of every setting for ``docs/SETTINGS.md`` (a test keeps the file in step)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        shown = "(set it)" if isinstance(default, SecretStr) else str(default)
        shown = shown.replace(str(package_root()), "<package>")
        rows.append(f"| `{environment_name(name)}` | `{shown}` | {field.description} |")
    return "\n".join(rows) + "\n"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own :class:`Settings` instead)."""
    return Settings()


if __name__ == "__main__":
    print(settings_markdown(), end="")
