import pytest

from tenant_registry import cache
from tenant_registry.documents import secret_keys
from tenant_registry.documents import secret_values as secrets
from tenant_registry.ids import env_prefix
from tenant_registry.models import Tenant


def test_literal_secrets_are_stripped_at_any_depth_and_references_kept():
    config = {
        "infrastructure": {
            "openai": {"api_key": "sk-live-123", "model": "gpt-4o"},
            "supabase": {"anon_key": "${SUPA}"},
        },
        "email": {"smtp": {"password": 12345, "host": "smtp.example"}},
        "deep": [{"client_secret": "shh"}, {"token": "${TOKEN:-}"}],
        "prompts": {"greeting": "hi"},
    }
    stripped, removed = secrets.strip(config)
    assert stripped == {
        "infrastructure": {"openai": {"model": "gpt-4o"}, "supabase": {"anon_key": "${SUPA}"}},
        "email": {"smtp": {"host": "smtp.example"}},
        "deep": [{}, {"token": "${TOKEN:-}"}],
        "prompts": {"greeting": "hi"},
    }
    assert sorted(removed) == ["deep[0].client_secret", "email.smtp.password", "infrastructure.openai.api_key"]
    assert config["infrastructure"]["openai"]["api_key"] == "sk-live-123"  # the input is not mutated


def test_reference_with_a_literal_default_is_a_secret():
    stripped, removed = secrets.strip({"api_key": "${OPENAI:-sk-fallback}"})
    assert stripped == {}
    assert removed == ["api_key"]


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("api_key", True),
        ("API_KEY", True),
        ("openai_api_key", True),
        ("max_tokens", False),
        ("tokenizer", False),
        ("password_hint_url", False),
    ],
)
def test_secret_key_names(key, secret):
    assert secret_keys.is_secret_key(key) is secret


def test_env_prefix():
    assert env_prefix("tn_a1b2c3") == "TN_A1B2C3_"
    assert env_prefix("safarirun-t0vc") == "SAFARIRUN_T0VC_"


def test_tenant_variable_wins_over_global(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "global")
    monkeypatch.setenv("TN_X_OPENAI_API_KEY", "own")
    config = {"infrastructure": {"openai": {"model": "m"}, "vapi": {"assistant_id": "a"}}}
    sources = secrets.fill_from_env("tn-x", config)
    assert config["infrastructure"]["openai"]["api_key"] == "own"
    assert sources["infrastructure.openai.api_key"] == "tenant"
    assert sources["infrastructure.vapi.api_key"] == "missing"
    assert "api_key" not in config["infrastructure"]["vapi"]
    assert "email.smtp.password" not in sources  # no smtp section: nothing is invented


@pytest.mark.django_db(transaction=True)
def test_secrets_never_reach_database_or_cache(monkeypatch, raw_redis, key_prefix):
    monkeypatch.setenv("TN_SECRETIVE_OPENAI_API_KEY", "sk-from-env-9f2c")
    Tenant.objects.save_config("tn_secretive", {"infrastructure": {"openai": {"api_key": "sk-typed-in", "model": "m"}}})
    assert Tenant.objects.get(pk="tn_secretive").config == {"infrastructure": {"openai": {"model": "m"}}}
    resolved = Tenant.objects.get_config("tn_secretive")
    assert resolved["infrastructure"]["openai"]["api_key"] == "sk-from-env-9f2c"
    cache.settle()
    cached = b"".join(raw_redis.get(k) for k in raw_redis.scan_iter(match=f"{key_prefix}c:*"))
    assert b"tn_secretive" in cached
    assert b"sk-typed-in" not in cached
    assert b"sk-from-env" not in cached


@pytest.mark.django_db(transaction=True)
def test_rotated_variable_takes_effect_without_invalidation(monkeypatch, django_assert_num_queries, registry_config):
    registry_config(ENV_ALLOW=["ROTATING_KEY"])
    Tenant.objects.save_config("tn_rotate", {"infrastructure": {"openai": {"api_key": "${ROTATING_KEY}"}}})
    monkeypatch.setenv("ROTATING_KEY", "old")
    assert Tenant.objects.get_config("tn_rotate")["infrastructure"]["openai"]["api_key"] == "old"
    monkeypatch.setenv("ROTATING_KEY", "new")
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_rotate")["infrastructure"]["openai"]["api_key"] == "new"


@pytest.mark.django_db
def test_fixture_rows_are_stripped_of_secrets(tmp_path):
    import json

    from django.core.management import call_command

    fields = {
        "name": "",
        "status": "active",
        "config_source": "database",
        "version": 1,
        "config": {"email": {"smtp": {"password": "hunter2", "host": "h"}}},
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    fixture = tmp_path / "tenants.json"
    fixture.write_text(json.dumps([{"model": "tenant_registry.tenant", "pk": "tn_fixture", "fields": fields}]))
    call_command("loaddata", str(fixture), verbosity=0)
    assert Tenant.objects.get(pk="tn_fixture").config == {"email": {"smtp": {"host": "h"}}}
