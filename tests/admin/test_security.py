"""The admin probed as a staff user with bad intent would: no 500, no existence leak, no skipped version check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tenant_registry.exceptions import InvalidConfig
from tenant_registry.models import Tenant

from ..helpers import REPO
from .pages import ACME, change, changelist, form_data, history, restore, text

# -- 13.3: an operator's action never ends in a 500 -------------------------------------------------


def test_exporting_a_tenant_whose_file_is_broken_is_a_message_not_a_500(staff_client, tenant_factory, config_dir):
    tenant_factory("tn_a1b2c3", {}, config_source="yaml")
    (config_dir / "tn_a1b2c3.yaml").write_text("client:\n  name: [unclosed\n")
    client = staff_client("view")
    response = client.post(changelist(), {"action": "export_yaml", "_selected_action": ["tn_a1b2c3"]}, follow=True)
    assert response.status_code == 200
    body = text(response)
    assert f"Not done: {config_dir / 'tn_a1b2c3.yaml'}:3:" in body
    assert "[unclosed" not in body


def test_the_change_page_of_a_tenant_whose_file_is_broken_shows_the_error(admin_client, tenant_factory, config_dir):
    tenant_factory("tn_a1b2c3", {}, config_source="yaml")
    (config_dir / "tn_a1b2c3.yaml").write_text("client: {name: x}\nclient: {name: y}\n")
    response = admin_client.get(change("tn_a1b2c3"))
    assert response.status_code == 200
    assert f"{config_dir / 'tn_a1b2c3.yaml'}:2: duplicate key 'client'" in text(response)


@pytest.mark.parametrize(("given", "debug"), [(None, False), ("0", False), ("1", True), ("true", False)])
def test_the_demo_runs_without_debug_unless_asked(given, debug):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    if given is not None:
        env["DJANGO_DEBUG"] = given
    code = "import project.settings as s; print(s.DEBUG)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(debug)


# -- 13.7: deep JSON --------------------------------------------------------------------------------


def test_deeply_nested_json_in_the_admin_is_a_field_error_not_a_500(admin_client, acme):
    typed = "[" * 200_000
    response = admin_client.post(change("tn_acme"), form_data(acme, typed))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["config"]
    assert errors == ["Invalid JSON: nesting is deeper than 32 levels at line 1, column 33."]
    acme.refresh_from_db()
    assert acme.config == ACME and acme.version == 1


def test_brackets_inside_strings_do_not_count_and_the_line_is_given(admin_client, acme):
    within = {"note": "[" * 100 + "{" * 100}
    response = admin_client.post(change("tn_acme"), form_data(acme, json.dumps(within)))
    assert response.status_code == 302
    assert Tenant.objects.get(pk="tn_acme").config == within
    fresh = Tenant.objects.get(pk="tn_acme")
    typed = '{\n  "a":\n' + "  [" * 40 + "\n}"
    response = admin_client.post(change("tn_acme"), form_data(fresh, typed))
    assert response.context["adminform"].form.errors["config"] == [
        "Invalid JSON: nesting is deeper than 32 levels at line 3, column 96."
    ]


def test_save_config_refuses_a_deep_document_with_its_key_path(db):
    doc: dict[str, object] = {}
    inner = doc
    for _ in range(200_000):
        inner["a"] = {}
        inner = inner["a"]  # type: ignore[assignment]
    with pytest.raises(InvalidConfig, match=r"^tenant tn_deep: nesting is deeper than 32 levels at a(\.a){31}$"):
        Tenant.objects.save_config("tn_deep", doc)
    assert not Tenant.objects.filter(pk="tn_deep").exists()
    shallow: dict[str, object] = {"a": {}}
    level = shallow["a"]
    for _ in range(29):
        level["a"] = {}
        level = level["a"]
    assert Tenant.objects.save_config("tn_ok", shallow).version == 1


# -- 13.8: the same 403 for existing and unknown ids ------------------------------------------------


@pytest.mark.parametrize("tenant_id", ["tn_acme", "tn_nobody", "africastay"])
def test_staff_without_permissions_gets_403_for_any_id(staff_client, acme, tenant_id):
    client = staff_client()
    record = acme.history.latest()
    urls = (history(tenant_id), restore(tenant_id, record.history_id), restore(tenant_id, 999999), change(tenant_id))
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"expected_version": "1"}).status_code == 403, url
    assert Tenant.objects.get(pk="tn_acme").version == 1


def test_a_view_only_user_cannot_restore_or_reach_the_confirmation(staff_client, acme):
    Tenant.objects.save_config("tn_acme", {"client": {"name": "Acme 2"}})
    first = acme.history.earliest()
    client = staff_client("view")
    for tenant_id in ("tn_acme", "tn_nobody"):
        assert client.get(restore(tenant_id, first.history_id)).status_code == 403
        assert client.post(restore(tenant_id, first.history_id), {"expected_version": "2"}).status_code == 403
    assert Tenant.objects.get(pk="tn_acme").config == {"client": {"name": "Acme 2"}}


# -- 13.9: the version check cannot be skipped -----------------------------------------------------


@pytest.mark.parametrize("version", [None, "", "abc", "1.0", "\u0661", "-1"])
def test_a_change_post_without_a_numeric_version_is_refused(admin_client, acme, version):
    data = form_data(acme, '{"client": {"name": "mine"}}')
    if version is None:
        del data["expected_version"]
    else:
        data["expected_version"] = version
    response = admin_client.post(change("tn_acme"), data)
    assert response.status_code == 200
    assert "This form did not say which version of tn_acme you started from, so it was not saved" in text(response)
    acme.refresh_from_db()
    assert acme.config == ACME and acme.version == 1


@pytest.mark.parametrize("version", [None, "", "2x", "\u00b2"])
def test_a_restore_post_without_a_numeric_version_is_refused(admin_client, acme, version):
    Tenant.objects.save_config("tn_acme", {"client": {"name": "Acme 2"}})
    first = acme.history.earliest()
    data = {} if version is None else {"expected_version": version}
    response = admin_client.post(restore("tn_acme", first.history_id), data, follow=True)
    assert "Not restored: the form did not say which version of tn_acme you reviewed" in text(response)
    assert Tenant.objects.get(pk="tn_acme").version == 2


def test_a_too_deep_config_stored_past_the_checks_is_a_message_on_every_page(admin_client, acme):
    """Every write path refuses it (tests/test_env_access.py); a row written with SQL still gets no 500."""
    doc: dict[str, object] = {}
    inner = doc
    for _ in range(300):
        inner["a"] = {}
        inner = inner["a"]  # type: ignore[assignment]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tenant_registry_tenant SET config = %s WHERE id = 'tn_acme'", [json.dumps(doc)])
    Tenant.objects.invalidate("tn_acme")
    response = admin_client.get(change("tn_acme"))
    assert response.status_code == 200
    assert '<p class="errornote" role="alert">Recursion limit reached</p>' in response.content.decode()
    assert admin_client.get(changelist()).status_code == 200
    assert admin_client.get(history("tn_acme")).status_code == 200


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ('{"n": ' + "1" * 5000 + "}", "Invalid JSON: Exceeds the limit (4300 digits) for integer string conversion"),
        ('{"n": 1e999}', "n: Infinity is not a JSON number"),
        ('{"n": [NaN]}', "n[0]: NaN is not a JSON number"),
        ('{"n": -Infinity}', "n: -Infinity is not a JSON number"),
    ],
)
def test_numbers_json_cannot_hold_are_a_field_error_not_a_500_or_a_null(admin_client, acme, typed, error):
    response = admin_client.post(change("tn_acme"), form_data(acme, typed))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["config"][0].startswith(error)
    acme.refresh_from_db()
    assert acme.config == ACME and acme.version == 1
