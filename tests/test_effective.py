"""The effective-config report: masked values and the origin of every secret."""

from __future__ import annotations

import pytest

from tenant_registry.admin.preview import SecretSource, effective, stored_config
from tenant_registry.models import Tenant


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_KEY", "VAPI_API_KEY", "SENDGRID_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_each_secret_says_where_it_came_from(tenant_factory, monkeypatch, registry_config):
    registry_config(ENV_ALLOW=["MY_SERVICE_KEY", "VAPI_OWN_KEY"])
    monkeypatch.setenv("TN_EFF_OPENAI_API_KEY", "sk-tenant-0123456789-aaaa")
    monkeypatch.setenv("SUPABASE_ANON_KEY", "anon-global-0123456789-bbbb")
    monkeypatch.setenv("MY_SERVICE_KEY", "svc")
    config = {
        "infrastructure": {
            "openai": {"model": "m"},
            "supabase": {"url": "u", "service_key": "${MY_SERVICE_KEY}"},
            "vapi": {"api_key": "${VAPI_OWN_KEY}"},
        },
    }
    tenant_factory("tn_eff", config)
    found = effective(Tenant, "tn_eff")
    assert sorted(found.secrets, key=lambda s: s.path) == [
        SecretSource("infrastructure.openai.api_key", "sk-…aaaa", "tenant variable", "TN_EFF_OPENAI_API_KEY"),
        SecretSource("infrastructure.supabase.anon_key", "ano…bbbb", "global variable", "SUPABASE_ANON_KEY"),
        SecretSource("infrastructure.supabase.service_key", "set", "referenced variable", "MY_SERVICE_KEY"),
        SecretSource(
            "infrastructure.vapi.api_key", "missing", "missing", "VAPI_OWN_KEY or TN_EFF_VAPI_API_KEY or VAPI_API_KEY"
        ),
    ]
    assert found.config is not None
    assert found.config["infrastructure"]["openai"] == {"model": "m", "api_key": "sk-…aaaa"}
    assert found.config["infrastructure"]["supabase"]["service_key"] == "set"


def test_a_yaml_tenant_reports_the_same_way(db, monkeypatch):
    monkeypatch.setenv("OPENAI_KEY_AFRICASTAY", "sk-africa-0123456789-cccc")
    found = effective(Tenant, "africastay")
    assert found.config is not None and found.config["_meta"]["source"] == "yaml"
    openai = next(s for s in found.secrets if s.path == "infrastructure.openai.api_key")
    assert openai == SecretSource(
        "infrastructure.openai.api_key", "sk-…cccc", "referenced variable", "OPENAI_KEY_AFRICASTAY"
    )


def test_an_unknown_tenant_has_no_effective_config(db):
    assert effective(Tenant, "tn_nobody").config is None


def test_stored_config_of_a_yaml_source_row_is_its_file_unresolved(tenant_factory):
    tenant_factory("tn_a1b2c3", {"ignored": True}, config_source="yaml")
    stored = stored_config(Tenant, "tn_a1b2c3")
    assert "ignored" not in stored
    assert stored["prompts"]["escalation"].endswith("${ESCALATION_NUMBER:-+255225550100}.")


def test_a_missing_secret_lists_each_variable_once(tenant_factory):
    tenant_factory("tn_eff", {"infrastructure": {"openai": {"api_key": "${OPENAI_API_KEY}"}}})
    [row] = effective(Tenant, "tn_eff").secrets
    assert row == SecretSource(
        "infrastructure.openai.api_key", "missing", "missing", "OPENAI_API_KEY or TN_EFF_OPENAI_API_KEY"
    )
