"""Running the mirror by hand: ``--check`` validates every manifest and lists the hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.demo.mirror import main

from .conftest import write_site


def test_check_lists_hosts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_site(tmp_path, "tem.fi", {"a.html": "a"}, "[[route]]\npath = '/a'\nfile = 'a.html'\n")
    write_site(tmp_path, "kotoutuminen.fi", {"index.html": "x"})

    assert main(["--root", str(tmp_path), "--check"]) == 0
    assert capsys.readouterr().out == "kotoutuminen.fi: 0 routes\ntem.fi: 1 routes\n"


def test_check_reports_a_broken_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(tmp_path, "tem.fi", {}, "[site]\ngzip = 1\n")

    assert main(["--root", str(tmp_path), "--check"]) == 2
    assert "'gzip' must be bool" in capsys.readouterr().err
