"""An unchanged tenant file is parsed once per process; a changed one is read again at its next use."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tenant_registry.checks.files import check_yaml_files
from tenant_registry.config_files import loader, tenant_files
from tenant_registry.exceptions import ConfigFileError


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the YAML parser was given, in order."""
    seen: list[str] = []
    real: Callable[..., Any] = loader.parse

    def spy(text: str, where: str, **limits: Any) -> Any:
        seen.append(Path(where).name)
        return real(text, where, **limits)

    monkeypatch.setattr(tenant_files, "parse", spy)
    return seen


def test_an_unchanged_file_is_parsed_once_and_each_caller_gets_its_own_copy(config_dir: Path, parses: list[str]):
    path = config_dir / "tn_memo.yaml"
    path.write_text("client:\n  name: One\n")
    first = tenant_files.load_file(path)
    first["client"]["name"] = "changed by a caller"
    assert tenant_files.load_file(path) == {"client": {"name": "One"}}
    assert parses == ["tn_memo.yaml"]


def test_an_edited_or_replaced_file_is_parsed_again(config_dir: Path, parses: list[str]):
    path = config_dir / "tn_memo.yaml"
    path.write_text("client:\n  name: One\n")
    tenant_files.load_file(path)
    path.write_text("client:\n  name: Two\n")  # same size: the mtime tells
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert tenant_files.load_file(path)["client"]["name"] == "Two"
    replacement = config_dir / "next.tmp"
    replacement.write_text("client:\n  name: Three\n")
    replacement.replace(path)
    assert tenant_files.load_file(path)["client"]["name"] == "Three"
    assert parses == ["tn_memo.yaml"] * 3


def test_a_broken_file_is_the_same_clear_error_each_time_and_parsed_once(config_dir: Path, parses: list[str]):
    path = config_dir / "tn_broken.yaml"
    path.write_text("client:\n  name: [broken\n")
    for _ in range(2):
        with pytest.raises(ConfigFileError, match=r"tn_broken\.yaml:3"):
            tenant_files.load_file(path)
    assert parses == ["tn_broken.yaml"]


def test_checks_run_twice_parse_each_file_once(config_dir: Path, parses: list[str]):
    check_yaml_files()
    check_yaml_files()
    names = sorted(p.name for p in config_dir.glob("*.yaml"))
    assert sorted(parses) == names
