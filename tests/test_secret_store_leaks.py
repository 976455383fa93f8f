"""Security: a stored secret's plaintext is only in the answers made of it. A pg_dump of the test database
(history tables and the admin's log included), every value of a Redis of this test's own, an export, the
logs, ``tenant_config`` and the admin's pages are searched for it after it was set, read, replaced, read,
rotated to a new key and read."""

from __future__ import annotations

import io
import logging
import subprocess
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import quote
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tenant_registry.models import Tenant

from .admin.pages import change, history
from .test_secret_file_leaks import database_text

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "infrastructure.openai.api_key"
CONFIG = {"client": {"name": "Stored"}, "infrastructure": {"openai": {"model": "gpt-4o"}}}
VERSIONS = ("sk-stored-secret-v1-0123456789-LEAKME", "sk-stored-secret-v2-0123456789-LEAKME")


def pg_dump() -> str:
    db = connection.settings_dict
    done = subprocess.run(
        ["pg_dump", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def every_redis_value(client: Any) -> bytes:
    found = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key) or b"")
        elif kind == b"hash":
            found += [b"%s=%s" % pair for pair in client.hgetall(key).items()]
        elif kind == b"list":
            found += client.lrange(key, 0, -1)
        elif kind in (b"set", b"zset"):
            found.append(repr(client.execute_command("DUMP", key)).encode())
    return b"\n".join(found)


def secrets_page(pk: str) -> str:
    return reverse("admin:tenant_registry_tenant_secrets", args=[quote(pk)])


def test_a_stored_secret_reaches_no_store_history_export_log_or_page(
    secret_store: Any,
    fernet_keys: list[str],
    redis_server: Any,
    use_cache: Any,
    admin_client: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    use_cache(redis_server.url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    Tenant.objects.save_config("tn_leak", CONFIG)
    set_response = admin_client.post(secrets_page("tn_leak"), {"action": "set", "path": PATH, "value": VERSIONS[0]})
    assert set_response.status_code == 302
    assert Tenant.objects.get_config("tn_leak")["infrastructure"]["openai"]["api_key"] == VERSIONS[0]
    admin_client.post(secrets_page("tn_leak"), {"action": "replace", "path": PATH, "value": VERSIONS[1]})
    Tenant.objects.save_config("tn_leak", {**CONFIG, "client": {"name": "Stored, renamed"}})
    assert Tenant.objects.get_config("tn_leak")["infrastructure"]["openai"]["api_key"] == VERSIONS[1]
    secret_store(fernet_keys[1:2] + fernet_keys[:1])
    call_command("rotate_secret_keys", stdout=io.StringIO())
    assert Tenant.objects.get_config("tn_leak")["infrastructure"]["openai"]["api_key"] == VERSIONS[1]
    call_command("export_tenants", "tn_leak", "--out", str(tmp_path / "export"), stdout=io.StringIO())
    shown = io.StringIO()
    call_command("tenant_config", "tn_leak", stdout=shown)
    pages = [
        unescape(admin_client.get(url, follow=True).content.decode())
        for url in (change("tn_leak"), secrets_page("tn_leak"), history("tn_leak"))
    ]
    assert f"<code>{PATH}</code>" in pages[1]  # the path is listed, the value is not
    assert "stored secret<" in pages[0] and ">set, hidden<" in pages[0]  # the effective panel: origin, and "set" only
    logged = "\n".join(str(e.change_message) for e in LogEntry.objects.all())
    assert f"Set the stored secret at {PATH}." in logged and f"Replaced the stored secret at {PATH}." in logged
    dumped, stored = pg_dump(), database_text()
    assert "tenant_registry_storedsecret" in dumped and "gAAAAA" in dumped  # the table and its tokens are there
    assert "historicaltenant" in dumped
    cached = every_redis_value(redis_server.client())
    assert b'"k":{"infrastructure.openai.api_key":"gAAAAA' in cached  # the entry carries the token only
    exported = (tmp_path / "export" / "tn_leak.yaml").read_text()
    for text in (dumped, stored, exported, shown.getvalue(), logged, caplog.text, *pages):
        assert "LEAKME" not in text
    assert b"LEAKME" not in cached
