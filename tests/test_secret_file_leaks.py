"""Security: a secret read from a file is held only by the answers made of it. PostgreSQL (every text
column of every table), Redis (every key of the test's namespace), the history, an export, the admin's
page and ``tenant_config`` are searched for it after it was read, rotated and read again."""

from __future__ import annotations

import io
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from tenant_registry.models import Tenant

from .admin.pages import change
from .secret_mounts import KubeMount
from .test_secret_files import CONFIG, api_key

pytestmark = pytest.mark.django_db(transaction=True)

VERSIONS = ("sk-file-secret-v1-0123456789-LEAKME", "sk-file-secret-v2-0123456789-LEAKME")


def database_text() -> str:
    """Every text-like column of every table of the test database, as one string."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            cursor.execute(f'SELECT "{column}"::text FROM "{table}"')  # names from the catalog
            found += [value for (value,) in cursor.fetchall() if value]
    return "\n".join(found)


def redis_text(client: Any, key_prefix: str) -> bytes:
    keys = list(client.scan_iter(match=f"*{key_prefix}*", count=1000))
    assert keys  # the entry was cached, so there is something to search
    found = []
    for key in keys:  # the values as Redis gives them (DUMP may compress a long string)
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key) or b"")
        elif kind == b"hash":
            found += [b"%s=%s" % pair for pair in client.hgetall(key).items()]
        else:
            assert kind in (b"none", b"zset", b"set", b"list")
            found.append(repr(client.execute_command("DUMP", key)).encode())
    return b"\n".join(found)


def test_a_file_secret_reaches_no_store_history_export_or_page(
    kube_mount: Any,
    redis_server: Any,
    use_cache: Any,
    key_prefix: str,
    staff_client: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_cache(redis_server.url)
    monkeypatch.delenv("TN_FILES_OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    mount: KubeMount = kube_mount({"TN_FILES_OPENAI_API_KEY": VERSIONS[0]})
    Tenant.objects.save_config("tn_files", CONFIG)
    Tenant.objects.save_config("tn_files", {**CONFIG, "client": {"name": "Files, renamed"}})
    assert api_key(Tenant.objects.get_config("tn_files")) == VERSIONS[0]
    mount.swap({"TN_FILES_OPENAI_API_KEY": VERSIONS[1]})
    assert api_key(Tenant.objects.get_config("tn_files")) == VERSIONS[1]
    call_command("export_tenants", "tn_files", "--out", str(tmp_path / "export"), stdout=io.StringIO())
    shown = io.StringIO()
    call_command("tenant_config", "tn_files", stdout=shown)
    page = unescape(staff_client("view").get(change("tn_files")).content.decode())
    history = "\n".join(str(row.config) for row in Tenant.history.filter(id="tn_files"))
    assert Tenant.history.filter(id="tn_files").count() == 2
    exported = (tmp_path / "export" / "tn_files.yaml").read_text()
    assert "${TN_FILES_OPENAI_API_KEY}" in exported
    stored, cached = database_text(), redis_text(redis_server.client(), key_prefix)
    assert "${TN_FILES_OPENAI_API_KEY}" in stored  # the searches see the reference where the value is not
    assert b"${TN_FILES_OPENAI_API_KEY}" in cached
    for text in (stored, history, exported, shown.getvalue(), page):
        assert "LEAKME" not in text
    assert b"LEAKME" not in cached
