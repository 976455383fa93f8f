"""The Tenant admin through the Django test client, on PostgreSQL and Redis."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html import unescape

import pytest
import yaml

from tenant_registry import cache
from tenant_registry.admin.forms import PrettyJSONField
from tenant_registry.documents.masking import mask_secrets, mask_value
from tenant_registry.exceptions import TenantConflict
from tenant_registry.models import Tenant

from .pages import ACME, change, changelist, form_data, history, html, restore

CONFIG = ACME


def row_of(body: str, marker: str) -> str:
    """The table row holding ``marker``."""
    at = body.index(marker)
    return body[body.rindex("<tr", 0, at) : body.index("</tr>", at)]


def cells(row: str) -> list[str]:
    """The text of each cell of a table row, tags removed."""
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def textarea(response) -> str:
    """The config textarea's content, unescaped."""
    body = html(response)
    start = body.index(">", body.index('name="config"')) + 1
    return unescape(body[start : body.index("</textarea>", start)]).removeprefix("\n")


# -- change list -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_changelist_shows_columns_and_whether_each_tenant_is_in_the_cache(admin_client, acme, tenant_factory):
    tenant_factory("tn_cold", {"a": 1}, name="Cold")
    Tenant.objects.get_config("tn_acme")
    body = html(admin_client.get(changelist()))
    for header in ("Id", "Name", "Status", "Source", "YAML file", "Updated at", "Cache"):
        assert f">{header}</" in body, header
    assert cells(row_of(body, "tn_acme"))[-1] == "cached"
    assert cells(row_of(body, "tn_cold"))[-1] == "not cached"


def test_changelist_searches_id_and_name_and_filters_status(admin_client, acme, tenant_factory):
    tenant_factory("tn_other", {}, name="Zebra Tours", status="suspended")
    by_name = html(admin_client.get(changelist(), {"q": "zebra"}))
    assert "tn_other" in by_name and "tn_acme" not in by_name
    by_id = html(admin_client.get(changelist(), {"q": "tn_acme"}))
    assert "tn_acme" in by_id and "tn_other" not in by_id
    suspended = html(admin_client.get(changelist(), {"status__exact": "suspended"}))
    assert "tn_other" in suspended and "tn_acme" not in suspended


# -- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["changelist", "change", "history"])
def test_anonymous_is_sent_to_the_login_page(client, acme, url):
    target = {"changelist": changelist(), "change": change("tn_acme"), "history": history("tn_acme")}[url]
    response = client.get(target)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_anonymous_cannot_restore_or_run_actions(client, acme):
    record = acme.history.latest()
    response = client.post(restore("tn_acme", record.history_id))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(changelist(), {"action": "invalidate_cache", "_selected_action": ["tn_acme"]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_tenant_permissions_is_refused(staff_client, acme):
    client = staff_client()
    assert client.get(changelist()).status_code == 403
    assert client.get(change("tn_acme")).status_code == 403
    assert client.get(history("tn_acme")).status_code == 403


def test_view_only_user_sees_masked_effective_config_and_no_editor(staff_client, tenant_factory, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-abcdefghijkl9f2c")
    tenant_factory("tn_acme", CONFIG, name="Acme Travel")
    client = staff_client("view")
    response = client.get(change("tn_acme"))
    assert response.status_code == 200
    body = html(response)
    assert "sk-…9f2c" in body
    assert "sk-proj-abcdefghijkl9f2c" not in body
    assert "<textarea" not in body
    assert 'name="_save"' not in body
    assert 'name="expected_version"' not in body


def test_view_only_user_cannot_post_a_change(staff_client, acme):
    client = staff_client("view")
    response = client.post(change("tn_acme"), form_data(acme, '{"hacked": true}'))
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.config == CONFIG


@pytest.mark.django_db(transaction=True)
def test_view_only_user_cannot_run_the_invalidate_action(staff_client, acme):
    Tenant.objects.get_config("tn_acme")
    client = staff_client("view")
    body = html(client.get(changelist()))
    assert 'value="invalidate_cache"' not in body
    assert 'value="export_yaml"' in body
    client.post(changelist(), {"action": "invalidate_cache", "_selected_action": ["tn_acme"]})
    assert cache.contains("tn_acme") is True


def test_change_user_sees_pretty_json_editor(staff_client, acme):
    client = staff_client("view", "change")
    response = client.get(change("tn_acme"))
    assert response.status_code == 200
    assert json.loads(textarea(response)) == CONFIG
    assert textarea(response).startswith('{\n  "')


def test_pretty_json_keeps_key_order_and_two_space_indent():
    field = PrettyJSONField()
    assert (
        field.prepare_value({"z": 1, "a": {"y": [1, "é"]}})
        == '{\n  "z": 1,\n  "a": {\n    "y": [\n      1,\n      "é"\n    ]\n  }\n}'
    )


# -- saving and errors ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_admin_save_goes_through_save_config_and_invalidates_the_cache(staff_client, acme):
    Tenant.objects.get_config("tn_acme")
    assert cache.contains("tn_acme") is True
    client = staff_client("view", "change")
    new = {**CONFIG, "client": {"name": "Acme 2"}}
    response = client.post(change("tn_acme"), form_data(acme, json.dumps(new)))
    assert response.status_code == 302
    assert cache.contains("tn_acme") is False
    assert Tenant.objects.get_config("tn_acme")["client"] == {"name": "Acme 2"}
    acme.refresh_from_db()
    assert acme.version == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            '{\n  "client": {\n    "name": "x",\n  }\n}',
            "Invalid JSON at line 4, column 3: Expecting property name enclosed in double quotes.",
        ),
        ("[1, 2]", "Config must be a JSON object (a mapping), got list"),
        (
            '{"infrastructure": {"openai": {"api_key": "sk-live-1234"}}}',
            "Literal secret values are not stored: infrastructure.openai.api_key. "
            'Write a reference such as "${OPENAI_API_KEY}" instead',
        ),
    ],
    ids=["invalid-json", "not-an-object", "literal-secret"],
)
def test_errors_name_the_place_and_keep_the_text(admin_client, acme, typed, message):
    response = admin_client.post(change("tn_acme"), form_data(acme, typed))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["config"]
    assert any(e.startswith(message) for e in errors), errors
    assert textarea(response) == typed
    acme.refresh_from_db()
    assert acme.config == CONFIG and acme.version == 1


def test_values_are_escaped_everywhere(admin_client, tenant_factory):
    evil = "<script>alert('x')</script>"
    tenant_factory("tn_evil", {"prompts": {"greeting": evil}, "token": "${TOKEN_<b>}"}, name=evil)
    Tenant.objects.filter(pk="tn_evil").update(config={"prompts": {"greeting": evil + "2"}})
    for url in (changelist(), change("tn_evil"), history("tn_evil")):
        body = html(admin_client.get(url))
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;alert(" in body, url


def test_a_stale_form_is_refused_and_the_text_kept(admin_client, acme):
    stale = form_data(acme, '{"client": {"name": "mine"}}')
    Tenant.objects.save_config("tn_acme", {"client": {"name": "theirs"}})
    response = admin_client.post(change("tn_acme"), stale)
    assert response.status_code == 200
    body = unescape(html(response))
    assert (
        "tn_acme was changed by someone else while you edited it (you started from version 1; it is now at version 2)"
        in body
    )
    assert textarea(response) == '{"client": {"name": "mine"}}'
    assert Tenant.objects.get(pk="tn_acme").config == {"client": {"name": "theirs"}}


def test_save_config_refuses_a_stale_expected_version(acme):
    Tenant.objects.save_config("tn_acme", {"a": 1}, expected_version=1)
    with pytest.raises(
        TenantConflict, match=r"tenant tn_acme: changed by someone else since version 1 \(it is now at version 2\)"
    ):
        Tenant.objects.save_config("tn_acme", {"a": 2}, expected_version=1)
    with pytest.raises(TenantConflict, match="since version 1 \\(it was deleted\\)"):
        Tenant.objects.save_config("tn_gone", {"a": 2}, expected_version=1)
    assert Tenant.objects.get(pk="tn_acme").config == {"a": 1}


def test_adding_a_tenant_through_the_admin(admin_client, db):
    data = {
        "id": "tn_new",
        "name": "New",
        "status": "active",
        "config_source": "database",
        "config": '{"a": 1}',
        "_save": "Save",
    }
    response = admin_client.post("/admin/tenant_registry/tenant/add/", data)
    assert response.status_code == 302
    assert Tenant.objects.get(pk="tn_new").config == {"a": 1}


# -- actions -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_invalidate_action_empties_the_cache_of_the_selected(staff_client, acme, tenant_factory):
    tenant_factory("tn_keep", {})
    for pk in ("tn_acme", "tn_keep"):
        Tenant.objects.get_config(pk)
    client = staff_client("view", "change")
    response = client.post(changelist(), {"action": "invalidate_cache", "_selected_action": ["tn_acme"]}, follow=True)
    assert "Invalidated 1 tenant(s)." in html(response)
    assert cache.contains("tn_acme") is False
    assert cache.contains("tn_keep") is True


def test_export_one_tenant_is_a_yaml_file_with_references(staff_client, acme):
    response = staff_client("view").post(changelist(), {"action": "export_yaml", "_selected_action": ["tn_acme"]})
    assert response["Content-Disposition"] == 'attachment; filename="tn_acme.yaml"'
    body = response.content.decode()
    assert "api_key: ${OPENAI_API_KEY}" in body
    assert yaml.safe_load(body) == {
        "_meta": {"name": "Acme Travel", "status": "active", "config_source": "database"},
        **CONFIG,
    }


def test_export_several_tenants_is_a_zip_of_yaml_files(admin_client, acme, tenant_factory):
    tenant_factory("tn_two", {"b": [1, 2]})
    response = admin_client.post(changelist(), {"action": "export_yaml", "_selected_action": ["tn_acme", "tn_two"]})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["tn_acme.yaml", "tn_two.yaml"]
    assert yaml.safe_load(archive.read("tn_two.yaml")) == {
        "_meta": {"name": "", "status": "active", "config_source": "database"},
        "b": [1, 2],
    }


# -- effective config panel ----------------------------------------------------------------------


def test_effective_panel_masks_secrets_and_says_where_they_came_from(admin_client, tenant_factory, monkeypatch):
    monkeypatch.setenv("TN_FX_VAPI_API_KEY", "vapi-tenant-secret-0001")
    monkeypatch.setenv("SENDGRID_API_KEY", "short")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("SUPABASE_ANON_KEY", raising=False)
    monkeypatch.delenv("VAPI_API_KEY", raising=False)
    config = {
        "infrastructure": {"vapi": {"assistant_id": "a1"}, "openai": {"model": "m"}},
        "email": {"sendgrid": {"template": "t"}},
    }
    tenant_factory("tn_fx", config)
    body = html(admin_client.get(change("tn_fx")))
    start = body.index('<table class="tr-secrets">')
    table = body[start : body.index("</table>", start)]
    rows = [cells(row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    assert ["infrastructure.vapi.api_key", "set, masked vap…0001", "tenant variable", "TN_FX_VAPI_API_KEY"] in rows
    assert ["email.sendgrid.api_key", "set, hidden", "global variable", "SENDGRID_API_KEY"] in rows
    assert [
        "infrastructure.openai.api_key",
        "not set",
        "missing",
        "TN_FX_OPENAI_API_KEY or OPENAI_API_KEY",
    ] in rows
    assert "vapi-tenant-secret-0001" not in body
    assert '"short"' not in body


def test_mask_shows_only_the_ends_of_long_secrets():
    assert [
        mask_value("sk-proj-abcdefgh9f2c"),
        mask_value("short-secret"),
        mask_value(12345),
        mask_value(""),
        mask_value(None),
    ] == [
        "sk-…9f2c",
        "set",
        "set",
        "missing",
        "missing",
    ]


def test_masked_covers_nested_secret_sections_and_lists():
    doc = {"smtp": {"password": "p" * 20, "user": "u"}, "client_secret": ["a", {"x": "b"}], "name": "n"}
    assert mask_secrets(doc) == {
        "smtp": {"password": "ppp…pppp", "user": "u"},
        "client_secret": ["set", {"x": "set"}],
        "name": "n",
    }


@pytest.mark.django_db(transaction=True)
def test_the_form_checks_the_version_outside_a_transaction_too(acme):
    from tenant_registry.admin.forms import TenantForm

    Tenant.objects.save_config("tn_acme", {"a": 1})
    data = {"id": "tn_acme", "name": "n", "status": "active", "config_source": "database", "config": "{}"}
    form = TenantForm(data={**data, "expected_version": "1"}, instance=Tenant.objects.get(pk="tn_acme"))
    assert not form.is_valid()
    assert form.errors["__all__"][0].startswith("tn_acme was changed by someone else while you edited it")
    fresh = TenantForm(data={**data, "expected_version": "2"}, instance=Tenant.objects.get(pk="tn_acme"))
    assert fresh.is_valid(), fresh.errors
