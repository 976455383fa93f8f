"""Secret files: ``<VAR>_FILE`` and SECRET_DIRS give every variable lookup a file, read under the same
access rules, seen at the next read when it changes (a Kubernetes ``..data`` swap included), and never
read outside SECRET_DIRS."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tenant_registry.models import Tenant

from .helpers import commands, wait_live

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = {
    "client": {"name": "Files"},
    "infrastructure": {"openai": {"model": "m", "api_key": "${TN_FILES_OPENAI_API_KEY}"}},
}


@pytest.fixture
def l1_reads(redis_server: Any, use_cache: Any, django_assert_num_queries: Any) -> Any:
    """``l1_reads(tenant)``: read through a live in-process tier, asserting no query and no Redis command."""
    use_cache(redis_server.url)
    client = redis_server.client()

    def read(tenant_id: str) -> dict[str, Any]:
        local = wait_live()
        if tenant_id not in local:
            Tenant.objects.get_config(tenant_id)
        assert tenant_id in local
        before = commands(client)
        with django_assert_num_queries(0):
            config = Tenant.objects.get_config(tenant_id)
        assert commands(client) == before
        assert config is not None
        return config

    return read


def api_key(config: dict[str, Any] | None) -> Any:
    return config["infrastructure"]["openai"].get("api_key")


def test_a_kubernetes_swap_during_a_read_loop_is_read_at_once_with_no_error(
    kube_mount: Any, l1_reads: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    mount = kube_mount({"TN_FILES_OPENAI_API_KEY": "sk-version-0"})
    Tenant.objects.save_config("tn_files", CONFIG)
    assert api_key(l1_reads("tn_files")) == "sk-version-0"
    seen: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                seen.append(api_key(Tenant.objects.get_config("tn_files")))
            except BaseException as exc:  # every failure of the loop is counted
                errors.append(exc)

    reader = threading.Thread(target=loop)
    reader.start()
    try:
        for version in range(1, SWAPS + 1):
            read_before = len(seen)
            while len(seen) == read_before and not errors:  # the loop reads between any two swaps
                time.sleep(0.0005)
            mount.swap({"TN_FILES_OPENAI_API_KEY": f"sk-version-{version}"})
            assert api_key(l1_reads("tn_files")) == f"sk-version-{version}"
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert set(seen) <= {f"sk-version-{version}" for version in range(SWAPS + 1)}


SWAPS = 40


def test_a_file_rewritten_or_added_is_read_at_the_next_hit_without_invalidation(
    secret_dir: Path, l1_reads: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-global")
    Tenant.objects.save_config("tn_files", {"infrastructure": {"openai": {"model": "m"}}})
    assert api_key(l1_reads("tn_files")) == "sk-global"
    (secret_dir / "TN_FILES_OPENAI_API_KEY").write_text("sk-own-1\n")  # a new entry: the directory changed
    assert api_key(l1_reads("tn_files")) == "sk-own-1"
    (secret_dir / "TN_FILES_OPENAI_API_KEY").write_text("sk-own-22")  # in place: the file changed
    assert api_key(l1_reads("tn_files")) == "sk-own-22"
    (secret_dir / "TN_FILES_OPENAI_API_KEY").unlink()
    assert api_key(l1_reads("tn_files")) == "sk-global"


def test_the_environment_wins_then_var_file_then_the_directories_in_order(
    tmp_path: Path, secret_dir: Path, registry_config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = tmp_path / "second"
    second.mkdir()
    registry_config(SECRET_DIRS=[str(secret_dir), str(second)])
    (second / "TN_FILES_OPENAI_API_KEY").write_text("from-second")
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    Tenant.objects.save_config("tn_files", CONFIG)
    assert api_key(Tenant.objects.get_config("tn_files")) == "from-second"
    (secret_dir / "TN_FILES_OPENAI_API_KEY").write_text("from-first")
    assert api_key(Tenant.objects.get_config("tn_files")) == "from-first"
    (second / "named").write_text("from-var-file\r\n")
    monkeypatch.setenv("TN_FILES_OPENAI_API_KEY_FILE", str(second / "named"))
    assert api_key(Tenant.objects.get_config("tn_files")) == "from-var-file"
    monkeypatch.setenv("TN_FILES_OPENAI_API_KEY", "from-env")
    assert api_key(Tenant.objects.get_config("tn_files")) == "from-env"


def test_without_secret_dirs_no_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "key").write_text("sk-from-a-file")
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("TN_FILES_OPENAI_API_KEY_FILE", str(tmp_path / "key"))
    Tenant.objects.save_config("tn_files", CONFIG)
    assert api_key(Tenant.objects.get_config("tn_files")) == ""


def test_a_database_tenant_reads_only_the_files_of_variables_it_may_read(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch, registry_config: Any
) -> None:
    registry_config(ENV_ALLOW=["SHARED_*"])
    for name in ("DJANGO_SECRET_KEY", "TN_OTHER_OPENAI_API_KEY", "SHARED_LINE", "TN_FILES_NOTE", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
        (secret_dir / name).write_text(f"file-of-{name}-0123456789")
    Tenant.objects.save_config("tn_other", {"client": {"name": "Other"}})
    for refused in ("DJANGO_SECRET_KEY", "TN_OTHER_OPENAI_API_KEY"):
        with pytest.raises(Exception, match=f"{refused}"):
            Tenant.objects.save_config("tn_files", {"prompts": {"x": f"${{{refused}}}"}})
    Tenant.objects.save_config(
        "tn_files",
        {"prompts": {"a": "${SHARED_LINE}", "b": "${TN_FILES_NOTE}"}, "infrastructure": {"openai": {"model": "m"}}},
    )
    config = Tenant.objects.get_config("tn_files")
    assert config["prompts"] == {"a": "file-of-SHARED_LINE-0123456789", "b": "file-of-TN_FILES_NOTE-0123456789"}
    assert api_key(config) == "file-of-OPENAI_API_KEY-0123456789"  # SECRET_ENV's global variable


def test_a_row_past_the_checks_reads_a_forbidden_file_as_unset(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    (secret_dir / "DJANGO_SECRET_KEY").write_text("django-insecure-from-a-file")
    Tenant.objects.save_config("tn_files", {"prompts": {"note": "safe"}})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenant_registry_tenant SET config = %s WHERE id = 'tn_files'",
            ['{"prompts": {"note": "k=${DJANGO_SECRET_KEY}"}}'],
        )
    Tenant.objects.invalidate("tn_files")
    assert Tenant.objects.get_config("tn_files")["prompts"] == {"note": "k="}
    assert "variable DJANGO_SECRET_KEY may not be read by this tenant" in caplog.text


def test_a_yaml_only_tenant_reads_any_variable_from_files(
    secret_dir: Path, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANY_DEPLOY_VARIABLE", raising=False)
    (secret_dir / "ANY_DEPLOY_VARIABLE").write_text("from-the-mount\n\n")
    (config_dir / "example.yaml").write_text("client:\n  name: Example\nprompts:\n  x: ${ANY_DEPLOY_VARIABLE}\n")
    assert Tenant.objects.get_config("example")["prompts"]["x"] == "from-the-mount"
