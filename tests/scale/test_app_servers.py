"""The demo project under gunicorn (gthread, with and without --preload) and uvicorn, over HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.urls import reverse

from tenant_registry.models import Tenant

from .app_servers import AppServer

pytestmark = pytest.mark.scale
L1_BOUND = 0.1  # how long another process's L1 may serve an entry a commit replaced (README, Performance)


def views(server: AppServer) -> list[str]:
    paths = ["/tenant-config/tn_app/"]
    return [*paths, "/async/tenant-config/tn_app/"] if server.kind == "uvicorn" else paths


def assert_every_worker_serves(server: AppServer, version: int) -> None:
    time.sleep(L1_BOUND)
    for path in views(server):
        answers = server.answers(path)
        assert {a.status for a in answers} == {200}
        assert {a.body["v"] for a in answers} == {version}, f"{server.kind} {path}"


def test_every_worker_serves_each_new_config_once_the_save_returned(app_server: AppServer) -> None:
    Tenant.objects.save_config("tn_app", {"client": {"name": "app"}, "v": 1})
    assert_every_worker_serves(app_server, 1)  # every worker now holds v1 in its own memory
    for version in (2, 3):
        Tenant.objects.save_config("tn_app", {"client": {"name": "app"}, "v": version})
        assert_every_worker_serves(app_server, version)
    assert "Traceback" not in app_server.proc.tail(10_000)


def test_every_worker_serves_an_admin_edit(app_server: AppServer, admin_client: Any) -> None:
    tenant = Tenant.objects.save_config("tn_app", {"v": 1})
    assert_every_worker_serves(app_server, 1)
    url = reverse("admin:tenant_registry_tenant_change", args=["tn_app"])
    form = {"name": "App", "status": "active", "config_source": "database", "config": '{"v": 2}'}
    form["expected_version"] = str(tenant.version)
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content
    assert_every_worker_serves(app_server, 2)


def test_an_unknown_tenant_is_a_404_and_a_bad_id_too(app_server: AppServer) -> None:
    assert app_server.get("/tenant-config/tn_nobody/").status == 404
    assert app_server.get("/tenant-config/NOT%20AN%20ID/").status == 404
