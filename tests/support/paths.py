"""Folders of the checkout the tests read (the installed package does not know where they are)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
CONFIG = PROJECT_ROOT / "config"
