"""The admin as an operator uses it, in headless Chromium against the live server (PostgreSQL + Redis)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import expect

from tenant_registry import cache
from tenant_registry.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = {
    "client": {"name": "Kruger Trails", "timezone": "Africa/Johannesburg"},
    "infrastructure": {"openai": {"model": "gpt-4o-mini", "api_key": "${OPENAI_API_KEY}"}},
    "prompts": {"greeting": "Welcome! <b>not bold</b>"},
}


@pytest.fixture
def tenant(db):
    return Tenant.objects.save_config("tn_kruger", CONFIG, name="Kruger Trails")


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("ops", "ops@example.com", "pw")


def change_url(live_server, pk: str) -> str:
    return f"{live_server.url}/admin/tenant_registry/tenant/{pk}/change/"


def test_log_in_edit_and_save_then_get_config_sees_it(live_server, login, admin_user, tenant, screenshot):
    assert Tenant.objects.get_config("tn_kruger")["infrastructure"]["openai"]["model"] == "gpt-4o-mini"
    assert cache.contains("tn_kruger") is True
    page = login("ops")
    page.goto(f"{live_server.url}/admin/tenant_registry/tenant/")
    expect(page.locator("#result_list")).to_contain_text("tn_kruger")
    screenshot(page, "changelist")
    page.click("text=tn_kruger")
    editor = page.locator("textarea[name=config]")
    shown = json.loads(editor.input_value())
    assert shown["prompts"]["greeting"] == "Welcome! <b>not bold</b>"
    screenshot(page, "change-form")
    shown["infrastructure"]["openai"]["model"] = "gpt-4.1"
    editor.fill(json.dumps(shown, indent=2))
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    assert Tenant.objects.get_config("tn_kruger")["infrastructure"]["openai"]["model"] == "gpt-4.1"


def test_a_literal_secret_is_refused_and_the_text_kept(live_server, login, admin_user, tenant):
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    typed = '{\n  "infrastructure": {"openai": {"api_key": "sk-live-0123456789abcdef"}}\n}'
    page.locator("textarea[name=config]").fill(typed)
    page.click("input[name=_save]")
    error = page.locator(".field-config .errorlist")
    expect(error).to_contain_text("Literal secret values are not stored: infrastructure.openai.api_key")
    expect(error).to_contain_text("${OPENAI_API_KEY}")
    assert page.locator("textarea[name=config]").input_value() == typed
    assert Tenant.objects.get(pk="tn_kruger").config == Tenant.objects.get(pk="tn_kruger").history.earliest().config


def test_view_a_revision_and_restore_it(live_server, login, admin_user, tenant, screenshot):
    Tenant.objects.save_config("tn_kruger", {**CONFIG, "client": {"name": "Renamed", "timezone": "UTC"}})
    first = Tenant.history.filter(id="tn_kruger").earliest()
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    page.click("a.historylink")
    revision = page.locator(f"#revision-{first.history_id + 1}")
    expect(revision).to_contain_text("config.client.name")
    expect(revision).to_contain_text('"Renamed"')
    screenshot(page, "history")
    page.click(f"text=Restore revision {first.history_id}")
    expect(page.locator("ul.messagelist")).to_contain_text(f"Restored revision {first.history_id} of tn_kruger")
    assert Tenant.objects.get_config("tn_kruger")["client"]["name"] == "Kruger Trails"
    latest = Tenant.history.filter(id="tn_kruger").latest()
    assert latest.history_change_reason == f"admin: restore of revision {first.history_id}"
    assert latest.history_user == admin_user


def test_a_view_only_user_sees_masked_values(live_server, login, tenant, monkeypatch, screenshot):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-0123456789abcdef9f2c")
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_tenant"))
    page = login("viewer")
    page.goto(change_url(live_server, "tn_kruger"))
    panel = page.locator("pre.tr-effective")
    expect(panel).to_contain_text('"api_key": "sk-…9f2c"')
    expect(page.locator("table.tr-secrets")).to_contain_text("referenced variable")
    assert "sk-proj-0123456789abcdef9f2c" not in page.content()
    assert page.locator("textarea").count() == 0
    assert page.locator("input[name=_save]").count() == 0
    screenshot(page, "view-only")
