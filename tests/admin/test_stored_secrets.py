"""The admin's stored-secrets page: write-only set, replace and remove, each behind change_tenant and in
*Recent actions* without the value; refused alike for existing and unknown tenants without the permission."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import quote
from django.urls import reverse

from tenant_registry.models import StoredSecret, Tenant

from .pages import change, text

PATH = "infrastructure.openai.api_key"
CONFIG = {"infrastructure": {"openai": {"model": "gpt-4o"}}}
VALUE = "sk-admin-stored-0123456789-NEVERSHOWN"


def secrets_url(pk: str) -> str:
    return reverse("admin:tenant_registry_tenant_secrets", args=[quote(pk)])


@pytest.fixture
def acme(db: None, secret_store: Any) -> Tenant:
    return Tenant.objects.save_config("tn_acme", CONFIG, name="Acme")


@pytest.mark.parametrize("perms", [(), ("view",)])
@pytest.mark.parametrize("pk", ["tn_acme", "tn_unknown"])
def test_without_change_permission_every_request_is_refused_alike(
    acme: Tenant, staff_client: Any, perms: tuple[str, ...], pk: str
) -> None:
    client = staff_client(*perms)
    for action in ("set", "replace", "remove"):
        response = client.post(secrets_url(pk), {"action": action, "path": PATH, "value": VALUE})
        assert response.status_code == 403
    assert client.get(secrets_url(pk)).status_code == 403
    assert StoredSecret.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_the_change_form_links_the_page_only_for_those_who_may_use_it(acme: Tenant, staff_client: Any) -> None:
    assert "Stored secrets</a>" in text(staff_client("change", "view").get(change("tn_acme")))
    assert "Stored secrets</a>" not in text(staff_client("view", username="viewer").get(change("tn_acme")))


def test_set_replace_remove_are_written_and_logged_without_the_value(acme: Tenant, staff_client: Any) -> None:
    client = staff_client("change", "view")
    steps = [("set", VALUE, "Set"), ("replace", VALUE + "-2", "Replaced"), ("remove", "", "Removed")]
    for action, value, done in steps:
        response = client.post(secrets_url("tn_acme"), {"action": action, "path": PATH, "value": value})
        assert response.status_code == 302 and response["Location"] == secrets_url("tn_acme")
        page = text(client.get(secrets_url("tn_acme")))
        assert f"{done} the stored secret at {PATH}." in page
        assert VALUE not in page
        assert StoredSecret.objects.filter(path=PATH).exists() == (action != "remove")
    entries = LogEntry.objects.filter(object_id="tn_acme").order_by("pk")
    assert [(e.user_id, e.get_change_message()) for e in entries] == [
        (client.user.pk, f"{done} the stored secret at {PATH}.") for _, _, done in steps
    ]
    assert all(VALUE not in e.change_message and VALUE not in e.object_repr for e in entries)


def test_the_page_lists_paths_and_never_fills_a_value_in(acme: Tenant, staff_client: Any) -> None:
    client = staff_client("change", "view")
    client.post(secrets_url("tn_acme"), {"action": "set", "path": PATH, "value": VALUE})
    page = text(client.get(secrets_url("tn_acme")))
    assert f"<code>{PATH}</code>" in page
    assert '<input type="password" name="value"' in page and 'autocomplete="off"' in page
    assert VALUE not in page and StoredSecret.objects.get().token not in page


def test_a_refused_write_is_a_message_that_holds_no_value(acme: Tenant, staff_client: Any) -> None:
    client = staff_client("change", "view")
    client.post(secrets_url("tn_acme"), {"action": "set", "path": PATH, "value": VALUE})
    page = text(client.post(secrets_url("tn_acme"), {"action": "set", "path": PATH, "value": "sk-x"}, follow=True))
    assert f"Not done: tenant tn_acme: a stored secret at {PATH} exists already (replace it instead)" in page
    page = text(
        client.post(secrets_url("tn_acme"), {"action": "set", "path": "client.name", "value": VALUE}, follow=True)
    )
    assert "Not done: tenant tn_acme: client.name: 'name' is not a secret key" in page
    assert VALUE not in page
    assert LogEntry.objects.count() == 1


def test_unknown_and_yaml_only_tenants_have_no_page(acme: Tenant, staff_client: Any) -> None:
    client = staff_client("change", "view")
    assert client.get(secrets_url("tn_unknown")).status_code == 404
    assert client.get(secrets_url("africastay")).status_code == 404  # a demo tenant of configs/


def test_with_the_store_off_the_page_writes_nothing(db: None, staff_client: Any) -> None:
    Tenant.objects.save_config("tn_acme", CONFIG)
    client = staff_client("change", "view")
    assert "Stored secrets</a>" not in text(client.get(change("tn_acme")))
    page = text(client.post(secrets_url("tn_acme"), {"action": "set", "path": PATH, "value": VALUE}, follow=True))
    assert "The encrypted store is off (TENANT_REGISTRY['SECRET_STORE'])." in page
    assert StoredSecret.objects.count() == 0


def test_a_token_that_does_not_open_is_an_error_on_the_page_and_can_still_be_removed(
    acme: Tenant, staff_client: Any
) -> None:
    client = staff_client("change", "view")
    Tenant.objects.save_config("tn_other", CONFIG)
    client.post(secrets_url("tn_other"), {"action": "set", "path": PATH, "value": VALUE})
    StoredSecret.objects.create(tenant=acme, path=PATH, token=StoredSecret.objects.get().token, key_id="copied")
    Tenant.objects.invalidate("tn_acme")
    page = text(client.get(change("tn_acme")))
    assert f"tenant tn_acme: the stored secret at {PATH} was sealed for another tenant or path" in page
    assert VALUE not in page
    client.post(secrets_url("tn_acme"), {"action": "remove", "path": PATH})
    assert Tenant.objects.get_config("tn_acme")["infrastructure"]["openai"].get("api_key") is None
