"""Secret files that may not or cannot be read: outside SECRET_DIRS (directly or by a symlink), missing,
not a regular file, not text. Each is an error naming the variable and the file, never its content,
and never an empty value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tenant_registry.admin import preview as effective
from tenant_registry.exceptions import InterpolationError
from tenant_registry.models import Tenant

from .test_secret_files import CONFIG, api_key

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "sk-must-never-be-shown-0123456789"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "key"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def refusal(tenant_id: str = "tn_files") -> str:
    Tenant.objects.invalidate(tenant_id)
    with pytest.raises(InterpolationError) as refused:
        Tenant.objects.get_config(tenant_id)
    assert SECRET not in str(refused.value)
    return str(refused.value)


def test_a_var_file_outside_secret_dirs_is_never_read(
    secret_dir: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("TN_FILES_OPENAI_API_KEY_FILE", str(outside))
    Tenant.objects.save_config("tn_files", CONFIG)
    assert refusal() == (
        f"tenant tn_files: at infrastructure.openai.api_key: variable TN_FILES_OPENAI_API_KEY: file {outside} "
        "(TN_FILES_OPENAI_API_KEY_FILE) is outside SECRET_DIRS; it is never read"
    )
    monkeypatch.setenv("TN_FILES_OPENAI_API_KEY_FILE", f"{secret_dir}/../elsewhere/key")
    assert f"is outside SECRET_DIRS (it leads to {outside})" in refusal()


def test_a_symlink_that_leaves_secret_dirs_is_never_read(
    secret_dir: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    (secret_dir / "TN_FILES_OPENAI_API_KEY").symlink_to(outside)
    Tenant.objects.save_config("tn_files", CONFIG)
    where = f"file {secret_dir}/TN_FILES_OPENAI_API_KEY (SECRET_DIRS)"
    assert f"{where} is outside SECRET_DIRS (it leads to {outside}); it is never read" in refusal()
    (secret_dir / "inner").mkdir()
    (secret_dir / "inner" / "key").write_text("sk-inside")
    (secret_dir / "TN_FILES_OPENAI_API_KEY").unlink()
    (secret_dir / "TN_FILES_OPENAI_API_KEY").symlink_to(secret_dir / "inner" / "key")
    assert api_key(Tenant.objects.get_config("tn_files")) == "sk-inside"


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda path: path.symlink_to(path.parent / "gone"), "cannot be read: no such file or directory"),
        (lambda path: path.mkdir(), "is not a regular file"),
        (lambda path: path.write_bytes(b"sk-\xff\xfe-0123456789"), "is not UTF-8 text"),
    ],
    ids=["dangling", "directory", "binary"],
)
def test_an_unreadable_file_is_an_error_naming_the_variable_and_the_file_never_empty(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch, make: Any, why: str
) -> None:
    monkeypatch.delenv("TN_FILES_LINE", raising=False)
    make(secret_dir / "TN_FILES_LINE")
    Tenant.objects.save_config("tn_files", {"prompts": {"line": "${TN_FILES_LINE:-a default}"}})
    assert refusal() == (
        f"tenant tn_files: at prompts.line: variable TN_FILES_LINE: file {secret_dir}/TN_FILES_LINE (SECRET_DIRS) {why}"
    )


def test_a_missing_var_file_is_an_error_and_so_is_one_at_a_secret_env_path(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-global")
    monkeypatch.setenv("TN_FILES_OPENAI_API_KEY_FILE", str(secret_dir / "absent"))
    Tenant.objects.save_config("tn_files", {"infrastructure": {"openai": {"model": "m"}}})
    assert refusal() == (
        f"tenant tn_files: at infrastructure.openai.api_key: variable TN_FILES_OPENAI_API_KEY: file "
        f"{secret_dir}/absent (TN_FILES_OPENAI_API_KEY_FILE) cannot be read: no such file or directory"
    )


def test_the_effective_panel_names_the_file_and_masks_its_value(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    (secret_dir / "TN_FILES_OPENAI_API_KEY").write_text(SECRET)
    Tenant.objects.save_config("tn_files", CONFIG)
    found = effective.effective(Tenant, "tn_files")
    assert api_key(found.config) == "sk-…6789"
    assert [(s.path, s.origin, s.variable) for s in found.secrets] == [
        (
            "infrastructure.openai.api_key",
            "referenced variable",
            f"TN_FILES_OPENAI_API_KEY (file {secret_dir}/TN_FILES_OPENAI_API_KEY)",
        )
    ]
