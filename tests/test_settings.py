"""Settings are read from the environment and ``.env`` by the rules pydantic-settings applied:
values passed in win over the environment, which wins over ``.env``; names ignore case; unknown
names are ignored; lists are JSON, flags true/false, 1/0, yes/no, on/off; a value that does not
fit its setting is a ConfigError naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.errors import ConfigError
from aggregator.settings import SecretStr, Settings


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the working folder
    for name in ("DATABASE_URL", "AGGREGATOR_HOST_DELAY", "AGGREGATOR_OBEY_ROBOTS"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_and_types_without_environment() -> None:
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///var/aggregator.sqlite3"
    assert settings.obey_robots is True and settings.mirror_hosts == []
    assert settings.config_dir.name == "config" and settings.config_dir.is_dir()
    assert settings.secret_key.get_secret_value() == "dev-only-secret-change-me"
    assert "dev-only" not in repr(settings)


def test_passed_values_win_over_environment_over_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "AGGREGATOR_HOST_DELAY=7\nAGGREGATOR_RETRIES=9\nAGGREGATOR_UNKNOWN=1\n", encoding="utf-8"
    )
    monkeypatch.setenv("aggregator_host_delay", "2.5")  # case is ignored
    settings = Settings(retries=1)
    assert (settings.host_delay, settings.retries) == (2.5, 1)
    assert Settings().retries == 9
    assert Settings(_env_file=None).retries == 3


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("0", False), ("YES", True), ("off", False)]
)
def test_flags(monkeypatch: pytest.MonkeyPatch, text: str, value: bool) -> None:
    monkeypatch.setenv("AGGREGATOR_OBEY_ROBOTS", text)
    assert Settings(_env_file=None).obey_robots is value


def test_lists_secrets_paths_and_choices_from_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGGREGATOR_MIRROR_HOSTS", '["a.example", "b.example"]')
    monkeypatch.setenv("AGGREGATOR_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("AGGREGATOR_DKIM_PRIVATE_KEY_PATH", "/keys/dkim.pem")
    monkeypatch.setenv("AGGREGATOR_SMTP_SECURITY", "tls")
    settings = Settings(_env_file=None)
    assert settings.mirror_hosts == ["a.example", "b.example"]
    assert settings.smtp_password == SecretStr("hunter2")
    assert settings.dkim_private_key_path == Path("/keys/dkim.pem")
    assert settings.smtp_security == "tls"


@pytest.mark.parametrize(
    ("variable", "text", "named"),
    [
        ("AGGREGATOR_OBEY_ROBOTS", "maybe", "AGGREGATOR_OBEY_ROBOTS"),
        ("AGGREGATOR_HOST_DELAY", "soon", "AGGREGATOR_HOST_DELAY"),
        ("AGGREGATOR_MIRROR_HOSTS", "a.example", "AGGREGATOR_MIRROR_HOSTS"),
        ("AGGREGATOR_SMTP_SECURITY", "ssl3", "AGGREGATOR_SMTP_SECURITY"),
        ("AGGREGATOR_CRAWL_WORKERS", "0", "AGGREGATOR_CRAWL_WORKERS"),
    ],
)
def test_a_value_that_does_not_fit_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, text: str, named: str
) -> None:
    monkeypatch.setenv(variable, text)
    with pytest.raises(ConfigError, match=named):
        Settings(_env_file=None)


def test_copy_with_checks_and_leaves_the_original() -> None:
    settings = Settings(_env_file=None)
    copy = settings.copy_with(host_delay=0, mirror_hosts=["x.example"])
    assert (copy.host_delay, copy.mirror_hosts) == (0.0, ["x.example"])
    assert (settings.host_delay, settings.mirror_hosts) == (1.0, [])
    with pytest.raises(ConfigError, match="crawl_workers"):
        settings.copy_with(crawl_workers=0)
