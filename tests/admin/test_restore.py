"""Restores reviewed before they write, versions as revision numbers, every admin write in Recent actions."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from tenant_registry.models import Tenant

from .pages import change, form_data, history, restore, text

V1 = {
    "client": {"name": "Acme"},
    "prompts": {"word": "set"},
    "infrastructure": {"openai": {"api_key": "${TN_ACME_OPENAI_KEY}"}},
}
V2 = {"client": {"name": "Acme 2"}, "infrastructure": {"openai": {"api_key": "${TN_ACME_OPENAI_KEY}"}}}


def plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


@pytest.fixture
def acme_v2(db):
    Tenant.objects.save_config("tn_acme", V1, name="Acme")
    return Tenant.objects.save_config("tn_acme", V2)


def test_history_numbers_revisions_by_version_and_labels_user_and_reason(admin_client, acme_v2, admin_user):
    admin_client.post(change("tn_acme"), form_data(acme_v2, json.dumps(V1)))
    body = plain(admin_client.get(history("tn_acme")))
    assert body.index("Version 3") < body.index("Version 2") < body.index("Version 1")
    assert "Revision" not in body
    assert f"User {admin_user.get_username()} Reason admin" in body
    assert "User none (a command or code) Reason save_config" in body


def test_a_restore_is_reviewed_on_a_page_that_writes_nothing(admin_client, acme_v2):
    first = acme_v2.history.earliest()
    body = plain(admin_client.get(history("tn_acme")))
    assert "Review a restore of version 1" in body
    response = admin_client.get(restore("tn_acme", first.history_id))
    assert response.status_code == 200
    page = plain(response)
    assert "What the restore changes: current version 2 → version 1" in page
    assert 'config.client.name changed "Acme 2" "Acme"' in page
    assert 'config.prompts added {"word": "set"}' in page
    assert "Yes, restore version 1" in page
    assert Tenant.objects.get(pk="tn_acme").version == 2
    assert not LogEntry.objects.exists()


def test_confirming_restores_and_logs_it_in_recent_actions(admin_client, acme_v2, admin_user):
    first = acme_v2.history.earliest()
    response = admin_client.post(restore("tn_acme", first.history_id), {"expected_version": "2"}, follow=True)
    assert "Restored version 1 of tn_acme as version 3." in text(response)
    assert Tenant.objects.get_config("tn_acme")["client"] == {"name": "Acme"}
    latest = Tenant.history.filter(id="tn_acme").latest()
    assert (latest.version, latest.history_change_reason, latest.history_user) == (
        3,
        "admin: restore of version 1",
        admin_user,
    )
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.object_id, entry.user) == (CHANGE, "tn_acme", admin_user)
    assert entry.get_change_message() == "Restored version 1 of tn_acme as version 3."
    index = text(admin_client.get("/admin/"))
    assert "Recent actions" in index and "Acme (tn_acme)" in index


def test_a_restore_confirmed_from_a_stale_page_is_refused(admin_client, acme_v2):
    first = acme_v2.history.earliest()
    Tenant.objects.save_config("tn_acme", {"client": {"name": "theirs"}})
    response = admin_client.post(restore("tn_acme", first.history_id), {"expected_version": "2"}, follow=True)
    assert "Not restored: tenant tn_acme: changed by someone else since version 2 (it is now at version 3)" in text(
        response
    )
    assert Tenant.objects.get(pk="tn_acme").config == {"client": {"name": "theirs"}}


def test_a_planted_literal_secret_is_redacted_on_the_confirmation_page(admin_client, acme_v2):
    first = acme_v2.history.earliest()
    Tenant.history.filter(history_id=first.history_id).update(
        config={"infrastructure": {"openai": {"api_key": "sk-planted-0123456789"}}}
    )
    page = text(admin_client.get(restore("tn_acme", first.history_id)))
    assert "sk-planted-0123456789" not in page
    assert "[redacted]" in page


def test_admin_saves_and_adds_appear_in_recent_actions(admin_client, acme_v2, admin_user):
    admin_client.post(change("tn_acme"), form_data(acme_v2, json.dumps(V1)))
    admin_client.post(
        "/admin/tenant_registry/tenant/add/",
        {"id": "tn_new", "name": "New", "status": "active", "config_source": "database", "config": "{}", "_save": "1"},
    )
    assert sorted(LogEntry.objects.values_list("object_id", "action_flag")) == [("tn_acme", 2), ("tn_new", 1)]


def test_secret_markers_are_badges_and_a_real_value_set_stays_a_string(admin_client, acme_v2, monkeypatch):
    monkeypatch.setenv("TN_ACME_OPENAI_KEY", "short")
    Tenant.objects.save_config("tn_acme", V1)
    body = text(admin_client.get(change("tn_acme")))
    panel = body[body.index('<pre class="tr-json tr-effective"') : body.index("</pre>", body.index('tr-effective"'))]
    assert '"word": "set"' in panel
    assert '"api_key": <span class="tr-badge tr-badge-secret">set, hidden</span>' in panel
    assert '"api_key": "set"' not in panel


def test_the_add_form_starts_from_an_empty_object(admin_client):
    body = admin_client.get("/admin/tenant_registry/tenant/add/").content.decode()
    start = body.index(">", body.index('name="config"')) + 1
    assert body[start : body.index("</textarea>", start)].strip() == "{}"


def test_a_prefix_clash_names_the_other_tenant(admin_client, acme_v2):
    data = {"id": "tn-acme", "name": "x", "status": "active", "config_source": "database", "config": "{}", "_save": "1"}
    response = admin_client.post("/admin/tenant_registry/tenant/add/", data)
    assert response.context["adminform"].form.errors["id"] == [
        "tn-acme maps to the environment prefix TN_ACME_, which tenant tn_acme already uses."
    ]
