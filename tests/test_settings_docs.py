"""Every setting is documented: docs/SETTINGS.md holds exactly the generated table."""

from __future__ import annotations

import pytest

from aggregator.settings import Settings, environment_name, settings_markdown
from tests.support.paths import PROJECT_ROOT


def test_settings_doc_is_the_generated_table() -> None:
    doc = (PROJECT_ROOT / "docs" / "SETTINGS.md").read_text(encoding="utf-8")
    assert settings_markdown() in doc, (
        "run: python -m aggregator.settings and update docs/SETTINGS.md"
    )


def test_every_setting_has_a_description_and_is_in_the_doc() -> None:
    doc = (PROJECT_ROOT / "docs" / "SETTINGS.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"`{environment_name(name)}`" in doc


def test_environment_names_reach_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    monkeypatch.setenv("AGGREGATOR_HOST_DELAY", "2.5")
    settings = Settings()
    assert settings.database_url == "sqlite:///x.sqlite3"
    assert settings.host_delay == 2.5
