"""The admin as an operator uses it, in headless Chromium against the live server (PostgreSQL + Redis)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import expect

from tenant_registry import cache
from tenant_registry.models import Tenant

from .conftest import editor_text, set_editor

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


def test_log_in_edit_with_the_editor_and_save_then_get_config_sees_it(live_server, login, admin_user, tenant):
    assert Tenant.objects.get_config("tn_kruger")["infrastructure"]["openai"]["model"] == "gpt-4o-mini"
    assert cache.contains("tn_kruger") is True
    page = login("ops")
    page.goto(f"{live_server.url}/admin/tenant_registry/tenant/")
    expect(page.locator("#result_list")).to_contain_text("tn_kruger")
    page.click("text=tn_kruger")
    editor = page.locator(".tr-editor")
    expect(editor.locator(".cm-lineNumbers")).to_be_visible()
    expect(editor.locator(".cm-foldGutter")).to_be_visible()
    expect(page.locator("textarea[name=config]")).to_be_hidden()
    shown = json.loads(editor_text(page))
    assert shown["prompts"]["greeting"] == "Welcome! <b>not bold</b>"
    shown["infrastructure"]["openai"]["model"] = "gpt-4.1"
    set_editor(page, json.dumps(shown, indent=2))
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    assert Tenant.objects.get_config("tn_kruger")["infrastructure"]["openai"]["model"] == "gpt-4.1"


def test_the_editor_highlights_and_matches_brackets(live_server, login, admin_user, tenant):
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    editor = page.locator(".tr-editor")
    expect(editor.locator(".cm-content span").first).to_be_visible()  # highlighted tokens are spans
    editor.locator(".cm-content").click()
    page.keyboard.press("Control+Home")
    expect(editor.locator(".cm-matchingBracket")).to_have_count(2)


def test_a_json_error_is_marked_on_its_line_and_the_text_kept(live_server, login, admin_user, tenant):
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    typed = '{\n  "client": {\n    "name": "x",\n  }\n}'
    set_editor(page, typed)
    page.click("input[name=_save]")
    expect(page.locator(".field-config .errorlist")).to_contain_text("Invalid JSON at line 4, column 3")
    editor = page.locator(".tr-editor")
    expect(editor).to_have_attribute("data-error-line", "4")
    expect(editor.locator(".cm-lintRange-error").first).to_be_visible()
    assert editor_text(page) == typed
    assert page.locator("textarea[name=config]").input_value() == typed
    assert Tenant.objects.get(pk="tn_kruger").version == 1


def test_an_error_only_the_server_finds_stays_marked_until_the_text_changes(live_server, login, admin_user, tenant):
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    typed = '{\n  "deep":\n    ' + '{"a": ' * 40 + "1" + "}" * 40 + "\n}"  # valid JSON, too deep to store
    set_editor(page, typed)
    page.click("input[name=_save]")
    expect(page.locator(".field-config .errorlist")).to_contain_text("nesting is deeper than 32 levels at line 3")
    editor = page.locator(".tr-editor")
    expect(editor).to_have_attribute("data-error-line", "3")
    page.wait_for_timeout(1200)  # past the browser's own JSON linter, which finds nothing wrong
    expect(editor.locator(".cm-lintRange-error")).to_have_count(1)
    editor.locator(".cm-content").click()
    page.keyboard.type(" ")
    expect(editor.locator(".cm-lintRange-error")).to_have_count(0)


def test_a_literal_secret_is_refused_and_the_text_kept(live_server, login, admin_user, tenant):
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    typed = '{\n  "infrastructure": {"openai": {"api_key": "sk-live-0123456789abcdef"}}\n}'
    set_editor(page, typed)
    page.click("input[name=_save]")
    error = page.locator(".field-config .errorlist")
    expect(error).to_contain_text("Literal secret values are not stored: infrastructure.openai.api_key")
    expect(error).to_contain_text("${OPENAI_API_KEY}")
    assert editor_text(page) == typed
    assert Tenant.objects.get(pk="tn_kruger").config == Tenant.objects.get(pk="tn_kruger").history.earliest().config


def test_the_add_form_starts_from_an_empty_object(live_server, login, admin_user):
    page = login("ops")
    page.goto(f"{live_server.url}/admin/tenant_registry/tenant/add/")
    assert editor_text(page) == "{}"


def test_find_a_yaml_only_tenant_and_read_its_page(live_server, login, admin_user, monkeypatch):
    monkeypatch.setenv("OPENAI_KEY_AFRICASTAY", "sk-africastay-0123456789abcd")
    page = login("ops")
    page.goto(f"{live_server.url}/admin/tenant_registry/tenant/")
    page.fill("#searchbar", "africa")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("YAML file only")
    page.click("#result_list >> text=africastay")
    expect(page.locator("h1")).to_contain_text("africastay: YAML-only tenant (read-only)")
    expect(page.locator("dl.tr-facts")).to_contain_text("africastay.yaml")
    expect(page.locator("pre.tr-effective")).to_contain_text('"name": "Africa Stay"')
    expect(page.locator("pre.tr-effective .tr-badge-secret")).to_contain_text("sk-…abcd")
    assert "sk-africastay-0123456789abcd" not in page.content()
    assert page.locator("textarea, .tr-editor, input[name=_save]").count() == 0


def test_restore_through_the_confirmation_page_and_see_it_in_recent_actions(live_server, login, admin_user, tenant):
    Tenant.objects.save_config("tn_kruger", {**CONFIG, "client": {"name": "Renamed", "timezone": "UTC"}})
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    page.click("a.historylink")
    expect(page.locator("h2").first).to_contain_text("Version 2")
    page.click("text=Review a restore of version 1")
    expect(page.locator("table.tr-diff")).to_contain_text("config.client.name")
    expect(page.locator("table.tr-diff")).to_contain_text('"Renamed"')
    assert Tenant.objects.get(pk="tn_kruger").version == 2  # nothing written by the review
    page.click("text=Yes, restore version 1")
    expect(page.locator("ul.messagelist")).to_contain_text("Restored version 1 of tn_kruger as version 3.")
    assert Tenant.objects.get_config("tn_kruger")["client"]["name"] == "Kruger Trails"
    latest = Tenant.history.filter(id="tn_kruger").latest()
    assert (latest.history_change_reason, latest.history_user) == ("admin: restore of version 1", admin_user)
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#recent-actions-module")).to_contain_text("Kruger Trails (tn_kruger)")


def test_a_view_only_user_sees_masked_values_as_badges(live_server, login, tenant, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-0123456789abcdef9f2c")
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_tenant"))
    page = login("viewer")
    page.goto(change_url(live_server, "tn_kruger"))
    expect(page.locator("pre.tr-effective .tr-badge-secret")).to_have_text("set, masked sk-…9f2c")
    expect(page.locator("table.tr-secrets")).to_contain_text("referenced variable")
    assert "sk-proj-0123456789abcdef9f2c" not in page.content()
    assert page.locator("textarea, .tr-editor").count() == 0
    assert page.locator("input[name=_save]").count() == 0


SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "client": {
            "type": "object",
            "description": "Who the tenant is.",
            "properties": {"name": {"type": "string"}, "timezone": {"type": "string"}},
        },
        "infrastructure": {"type": "object"},
        "prompts": {"type": "object"},
    },
}


def test_with_a_schema_the_editor_completes_keys_and_flags_unknown_ones(
    live_server, login, admin_user, tenant, tmp_path, registry_config
):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    registry_config(SCHEMA=path)
    page = login("ops")
    page.goto(change_url(live_server, "tn_kruger"))
    assert page.locator("#tr-config-schema").count() == 1
    set_editor(page, '{\n  "client": {"name": "x"},\n  "bogus": 1\n}')
    marked = page.locator(".tr-editor .cm-lintRange-error")
    expect(marked).to_have_count(1)
    expect(marked).to_have_text('"bogus"')
    marked.hover()
    expect(page.locator(".cm-tooltip-lint")).to_contain_text('bogus: "bogus" is not allowed here')
    set_editor(page, "{\n  \n}")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("End")
    page.keyboard.type('"')
    options = page.locator(".cm-tooltip-autocomplete .cm-completionLabel")
    expect(options.first).to_be_visible()
    assert sorted(options.all_inner_texts()) == ["client", "infrastructure", "prompts"]
    page.wait_for_timeout(200)  # CodeMirror ignores Enter for 75 ms after the list opens
    page.keyboard.press("Enter")
    assert editor_text(page) == '{\n  "client": \n}'
    page.keyboard.type('{"')
    expect(options.first).to_be_visible()
    assert sorted(options.all_inner_texts()) == ["name", "timezone"]
