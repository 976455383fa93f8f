"""Revisions: every write path records who, when, why and what changed; the admin restores them."""

from __future__ import annotations

import io
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client

from tenant_registry import cache, revisions
from tenant_registry.documents import diffs
from tenant_registry.models import Tenant

from .admin.pages import change, form_data, history, restore


def reasons(pk: str) -> list[tuple[str, str, int]]:
    """(type, reason, version) of every revision of ``pk``, oldest first."""
    return list(
        Tenant.history.filter(id=pk)
        .order_by("history_id")
        .values_list("history_type", "history_change_reason", "version")
    )


# -- every write path --------------------------------------------------------------------------


def test_save_config_records_created_then_changed(db):
    Tenant.objects.save_config("tn_r", {"a": 1})
    Tenant.objects.save_config("tn_r", {"a": 2})
    assert reasons("tn_r") == [("+", "save_config", 1), ("~", "save_config", 2)]
    latest = Tenant.history.filter(id="tn_r").latest()
    assert latest.config == {"a": 2} and latest.history_user is None


def test_plain_save_and_delete_are_recorded(tenant_factory):
    tenant = tenant_factory("tn_r", {"a": 1})
    tenant.name = "renamed"
    tenant.save()
    tenant.delete()
    assert reasons("tn_r") == [("+", "save", 1), ("~", "save", 2), ("-", "delete", 2)]


def test_acting_names_the_user_and_reason(db, django_user_model):
    user = django_user_model.objects.create_user("ops")
    with revisions.acting(user, "deploy script"):
        Tenant.objects.save_config("tn_r", {"a": 1})
    record = Tenant.history.get(id="tn_r")
    assert (record.history_user, record.history_change_reason) == (user, "deploy script")


def test_queryset_update_records_one_revision_per_row(tenant_factory):
    tenant_factory("tn_r1", {"a": 1})
    tenant_factory("tn_r2", {"a": 1})
    tenant_factory("tn_r3", {"a": 1})
    assert Tenant.objects.filter(pk__in=["tn_r1", "tn_r2"]).update(config={"a": 2, "password": "hunter2"}) == 2
    for pk in ("tn_r1", "tn_r2"):
        assert reasons(pk) == [("+", "save", 1), ("~", "queryset.update", 2)]
        assert Tenant.history.filter(id=pk).latest().config == {"a": 2}
    assert reasons("tn_r3") == [("+", "save", 1)]


def test_bulk_create_records_created_revisions(db):
    Tenant.objects.bulk_create([Tenant(id="tn_b1", config={"x": 1}), Tenant(id="tn_b2", config={"token": "t0k"})])
    assert reasons("tn_b1") == [("+", "bulk_create", 1)]
    assert Tenant.history.filter(id="tn_b2").latest().config == {}


@pytest.mark.django_db(transaction=True)
def test_bulk_update_records_bumps_the_version_and_invalidates(tenant_factory):
    first = tenant_factory("tn_b1", {"x": 1})
    Tenant.objects.get_config("tn_b1")
    assert cache.contains("tn_b1") is True
    first.config = {"x": 2}
    Tenant.objects.bulk_update([first], ["config"])
    assert first.version == 2
    assert reasons("tn_b1") == [("+", "save", 1), ("~", "bulk_update", 2)]
    assert cache.contains("tn_b1") is False
    assert Tenant.objects.get_config("tn_b1")["x"] == 2


def test_import_tenants_records_the_command_as_reason(db, config_dir):
    (config_dir / "tn_imp.yaml").write_text("client:\n  name: Imported\nopenai:\n  api_key: ${OPENAI_API_KEY}\n")
    call_command("import_tenants", str(config_dir / "tn_imp.yaml"), stdout=io.StringIO())
    assert reasons("tn_imp") == [("+", "import_tenants", 1)]


def test_admin_save_records_the_user_and_the_difference(admin_client, admin_user, tenant_factory):
    tenant = tenant_factory("tn_r", {"client": {"name": "A"}, "keep": 1})
    response = admin_client.post(change("tn_r"), form_data(tenant, '{"client": {"name": "B"}, "added": [1]}'))
    assert response.status_code == 302
    record = Tenant.history.filter(id="tn_r").latest()
    assert (record.history_user, record.history_change_reason) == (admin_user, "admin")
    # (PostgreSQL's jsonb orders keys its own way, so compare without order)
    assert sorted(diffs.changes(record.prev_record, record), key=lambda c: c.path) == [
        diffs.Change("config.added", "added", "", "[1]"),
        diffs.Change("config.client.name", "changed", '"A"', '"B"'),
        diffs.Change("config.keep", "removed", "1", ""),
    ]


# -- differences ---------------------------------------------------------------------------------


def test_config_changes_walk_key_paths_and_redact_literal_secrets():
    old = {"db": {"password": "old-secret", "host": "a"}, "list": [1, 2], "token": "${TOKEN}"}
    new = {"db": {"password": "new-secret", "host": "b"}, "list": [1, 3, 4], "token": "${OTHER}"}
    assert diffs.config_changes(old, new) == [
        diffs.Change("config.db.password", "changed", '"[redacted]"', '"[redacted]"'),
        diffs.Change("config.db.host", "changed", '"a"', '"b"'),
        diffs.Change("config.list", "changed", "[1, 2]", "[1, 3, 4]"),
        diffs.Change("config.token", "changed", '"${TOKEN}"', '"${OTHER}"'),
    ]


def test_added_sections_redact_nested_secrets_and_type_changes_count():
    assert diffs.config_changes({"n": 1}, {"n": 1.5, "smtp": {"password": "p", "user": "u"}}) == [
        diffs.Change("config.n", "changed", "1", "1.5"),
        diffs.Change("config.smtp", "added", "", '{"password": "[redacted]", "user": "u"}'),
    ]
    assert diffs.config_changes({"flag": 1}, {"flag": True}) == [diffs.Change("config.flag", "changed", "1", "true")]


# -- the history page and restore ----------------------------------------------------------------


@pytest.fixture
def edited(tenant_factory):
    tenant_factory("tn_r", {"client": {"name": "First"}})
    Tenant.objects.save_config("tn_r", {"client": {"name": "Second"}})
    return Tenant.objects.get(pk="tn_r")


def test_history_page_shows_each_revision_with_its_difference(admin_client, edited):
    body = unescape(admin_client.get(history("tn_r")).content.decode())
    assert "Version 2" in body and "Version 1" in body
    assert "config.client.name" in body and '"First"' in body and '"Second"' in body
    assert body.index("Version 2") < body.index("Version 1")
    assert "Review a restore of version 1" in body
    assert "Review a restore of version 2" not in body  # the current one


def test_view_only_user_sees_history_without_restore(staff_client, edited):
    client = staff_client("view")
    response = client.get(history("tn_r"))
    assert response.status_code == 200
    assert "Review a restore" not in response.content.decode()
    first = Tenant.history.filter(id="tn_r").earliest()
    assert client.post(restore("tn_r", first.history_id)).status_code == 403
    assert Tenant.objects.get(pk="tn_r").config == {"client": {"name": "Second"}}


@pytest.mark.django_db(transaction=True)
def test_restore_goes_through_save_config_and_is_itself_a_revision(staff_client, edited):
    Tenant.objects.get_config("tn_r")
    client = staff_client("view", "change")
    first = Tenant.history.filter(id="tn_r").earliest()
    response = client.post(restore("tn_r", first.history_id), {"expected_version": "2"}, follow=True)
    assert "Restored version 1 of tn_r as version 3." in response.content.decode()
    assert cache.contains("tn_r") is False
    assert Tenant.objects.get_config("tn_r")["client"] == {"name": "First"}
    latest = Tenant.history.filter(id="tn_r").latest()
    assert (latest.history_user, latest.history_change_reason) == (
        client.user,
        "admin: restore of version 1",
    )
    assert latest.version == 3


def test_restore_with_a_stale_version_is_refused(admin_client, edited):
    first = Tenant.history.filter(id="tn_r").earliest()
    response = admin_client.post(restore("tn_r", first.history_id), {"expected_version": "1"}, follow=True)
    assert "Not restored: tenant tn_r: changed by someone else since version 1" in unescape(response.content.decode())
    assert Tenant.objects.get(pk="tn_r").config == {"client": {"name": "Second"}}


def test_restore_writes_only_on_a_post_with_a_csrf_token(admin_user, edited):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    first = Tenant.history.filter(id="tn_r").earliest()
    assert client.get(restore("tn_r", first.history_id)).status_code == 200  # the confirmation page
    assert client.post(restore("tn_r", first.history_id), {"expected_version": "2"}).status_code == 403
    assert Tenant.objects.get(pk="tn_r").config == {"client": {"name": "Second"}}


def test_restore_of_an_unknown_revision_is_404(admin_client, edited, tenant_factory):
    other = tenant_factory("tn_other", {})
    foreign = Tenant.history.filter(id=other.pk).latest()
    assert admin_client.post(restore("tn_r", foreign.history_id)).status_code == 404
