"""``manage.py check`` and secret files: W005 counts a file as set and names one that cannot be read;
E012 and W017 judge SECRET_DIRS itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.checks import Error, Warning

from tenant_registry.checks import secret_dirs as secret_dir_checks
from tenant_registry.checks.database import check_database_secrets
from tenant_registry.models import Tenant

HINT = (
    "Set them in the environment of every process that serves this tenant, or as files "
    "(<VAR>_FILE, or a file named like the variable in SECRET_DIRS)."
)


@pytest.fixture
def vault_tenant(db: None, monkeypatch: pytest.MonkeyPatch, registry_config: Callable[..., None]) -> None:
    registry_config(ENV_ALLOW=["VAULT_*"])
    monkeypatch.delenv("VAULT_TOKEN_X", raising=False)
    monkeypatch.delenv("VAULT_TOKEN_X_FILE", raising=False)
    Tenant.objects.save_config("tn_x", {"vault": {"token": "${VAULT_TOKEN_X}"}})


def w005(detail: str) -> list[Warning]:
    return [
        Warning(
            f"tenant tn_x (database): secret variables not set: vault.token (${{VAULT_TOKEN_X}}{detail}).",
            hint=HINT,
            id="tenant_registry.W005",
        )
    ]


def test_w005_a_secret_found_in_no_file_either_is_reported_and_one_in_a_file_is_not(
    vault_tenant: None, secret_dir: Path
) -> None:
    assert check_database_secrets(databases=["default"]) == w005("")
    (secret_dir / "VAULT_TOKEN_X").write_text("hvs.0123456789abcdef")
    assert check_database_secrets(databases=["default"]) == []


def test_w005_names_a_file_that_cannot_be_read_never_its_content(
    vault_tenant: None, secret_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "outside").write_text("hvs.must-never-be-shown")
    monkeypatch.setenv("VAULT_TOKEN_X_FILE", str(tmp_path / "outside"))
    found = check_database_secrets(databases=["default"])
    assert found == w005(
        f": variable VAULT_TOKEN_X: file {tmp_path}/outside (VAULT_TOKEN_X_FILE) is outside SECRET_DIRS; "
        "it is never read"
    )
    assert "must-never" not in found[0].msg


def test_e012_secret_dirs_must_be_absolute_paths_other_than_the_root(tmp_path: Path) -> None:
    assert secret_dir_checks.secret_dirs_messages([str(tmp_path)]) == []
    assert secret_dir_checks.secret_dirs_messages((tmp_path,)) == []
    for bad in (["relative/dir"], ["/"], [3], "not a list"):
        assert secret_dir_checks.secret_dirs_messages(bad) == [
            Error(
                "TENANT_REGISTRY['SECRET_DIRS'] must be a list of absolute directory paths other than '/'; "
                f"got {bad!r}.",
                id="tenant_registry.E012",
            )
        ]


def test_a_single_path_is_taken_as_a_list_and_a_missing_directory_is_w017(
    tmp_path: Path, registry_config: Callable[..., None]
) -> None:
    registry_config(SECRET_DIRS=str(tmp_path))
    assert secret_dir_checks.check_secret_dirs() == []
    registry_config(SECRET_DIRS=[str(tmp_path), str(tmp_path / "not-mounted")])
    assert secret_dir_checks.check_secret_dirs() == [
        Warning(
            f"SECRET_DIRS entries that are not readable directories: {tmp_path}/not-mounted.",
            hint="Mount them before the app starts, or remove them: variables are not found in them.",
            id="tenant_registry.W017",
        )
    ]
