"""What the admin form refuses: a YAML source without a file that loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenant_registry.models import Tenant

from .admin_urls import change, form_data

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
