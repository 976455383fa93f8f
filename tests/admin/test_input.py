"""What the admin form refuses: a YAML source without a file that loads, and JSON with a key given twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tenant_registry.documents import json_text
from tenant_registry.models import Tenant

from .pages import change, form_data

ADD = "/admin/tenant_registry/tenant/add/"


def add_data(tenant_id: str, config_source: str, config: str = "{}") -> dict[str, str]:
    return {
        "id": tenant_id,
        "name": "",
        "status": "active",
        "config_source": config_source,
        "config": config,
        "_save": "Save",
    }


def errors(response, field: str) -> list[str]:
    assert response.status_code == 200
    return list(response.context["adminform"].form.errors.get(field, []))


# -- a YAML source needs its file ----------------------------------------------------------------


def test_adding_a_yaml_tenant_without_its_file_is_refused_naming_the_path(admin_client, db, config_dir: Path):
    response = admin_client.post(ADD, add_data("tn_yaml", "yaml"))
    assert errors(response, "config_source") == [
        f"Config source is YAML but {config_dir}/tn_yaml.yaml does not exist: add or fix the file first, "
        "or choose Database."
    ]
    assert not Tenant.objects.filter(pk="tn_yaml").exists()


def test_switching_a_row_to_yaml_needs_a_file_that_loads(admin_client, tenant_factory, config_dir: Path):
    tenant = tenant_factory("tn_yaml", {"a": 1})
    (config_dir / "tn_yaml.yaml").write_text("client:\n  name: x\n  name: y\n")
    response = admin_client.post(change("tn_yaml"), form_data(tenant, '{"a": 1}', config_source="yaml"))
    assert errors(response, "config_source") == [
        f"Config source is YAML but {config_dir}/tn_yaml.yaml:3: duplicate key 'name': add or fix the file "
        "first, or choose Database."
    ]
    tenant.refresh_from_db()
    assert (tenant.config_source, tenant.version) == ("database", 1)


def test_a_yaml_tenant_whose_file_loads_is_saved(admin_client, db):
    response = admin_client.post(ADD, add_data("tn_a1b2c3", "yaml"))
    assert response.status_code == 302
    assert Tenant.objects.get(pk="tn_a1b2c3").config_source == "yaml"
    assert Tenant.objects.get_config("tn_a1b2c3")["_meta"]["source"] == "yaml"


# -- a key given twice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('{"a": 1, "a": 2}', "Invalid JSON at line 1, column 10: duplicate key a."),
        (
            '{\n  "client": {\n    "name": "x",\n    "name": "y"\n  }\n}',
            "Invalid JSON at line 4, column 5: duplicate key client.name.",
        ),
        (
            '{"hosts": [{"port": 1}, {"port": 2, "\\u0070ort": 3}]}',
            "Invalid JSON at line 1, column 37: duplicate key hosts[1].port.",
        ),
    ],
    ids=["top-level", "nested", "escaped-in-a-list"],
)
def test_a_key_given_twice_is_refused_with_its_path_and_line(admin_client, tenant_factory, typed, message):
    tenant = tenant_factory("tn_dup", {"a": 0})
    response = admin_client.post(change("tn_dup"), form_data(tenant, typed))
    assert errors(response, "config") == [message]
    tenant.refresh_from_db()
    assert (tenant.config, tenant.version) == ({"a": 0}, 1)


def test_adding_a_tenant_with_a_key_given_twice_is_refused(admin_client, db):
    response = admin_client.post(ADD, add_data("tn_dup", "database", '{"a": 1,\r\n "a": 2}'))
    assert errors(response, "config") == ["Invalid JSON at line 2, column 2: duplicate key a."]
    assert not Tenant.objects.filter(pk="tn_dup").exists()


def test_equal_keys_in_different_objects_are_kept():
    text = '{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}], "c": {"a": {"a": 4}}}'
    assert json_text.loads(text) == json.loads(text)
    assert list(json_text.loads('{"z": 1, "a": 2}')) == ["z", "a"]
