"""Security: a config that the app writes reads only the environment it was granted, and every value
taken from the environment is masked wherever a config is shown. Written as an editor would attack."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from tenant_registry.exceptions import InvalidConfig
from tenant_registry.models import Tenant

from .admin.pages import change, form_data

SERVER_SECRETS = {
    "OPENAI_KEY_AFRICASTAY": "sk-africastay-0123456789abcdef",
    "DJANGO_SECRET_KEY": "django-insecure-0123456789abcdef",
    "DATABASE_URL": "postgres://app:hunter2hunter2@db/app",
    "OPENAI_API_KEY": "sk-global-0123456789abcdef0000",
}


@pytest.fixture(autouse=True)
def server_environment(monkeypatch):
    for name, value in SERVER_SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("variable", ["OPENAI_KEY_AFRICASTAY", "DJANGO_SECRET_KEY", "DATABASE_URL"])
def test_save_config_refuses_a_variable_the_tenant_was_not_granted(db, variable):
    with pytest.raises(InvalidConfig) as refused:
        Tenant.objects.save_config("tn_a1b2c3", {"prompts": {"note": f"k=${{{variable}}}"}})
    assert str(refused.value).startswith("tenant tn_a1b2c3: prompts.note: ${" + variable + "} is not an allowed")
    assert not Tenant.objects.filter(pk="tn_a1b2c3").exists()


def test_nested_and_conditional_references_are_checked_too(db):
    for value in ("${TN_A1B2C3_X:-${DATABASE_URL}}", "${TN_A1B2C3_X:+${DATABASE_URL}}", "${X?${DATABASE_URL}}"):
        with pytest.raises(InvalidConfig, match=r"DATABASE_URL\} is not an allowed"):
            Tenant.objects.save_config("tn_a1b2c3", {"prompts": {"note": value}})


def test_own_prefix_secret_env_and_env_allow_are_readable(db, monkeypatch, registry_config):
    registry_config(ENV_ALLOW=["APP_*"])
    monkeypatch.setenv("TN_A1B2C3_GREETING", "jambo")
    monkeypatch.setenv("APP_REGION", "eu-west")
    doc = {"prompts": {"a": "${TN_A1B2C3_GREETING}", "b": "${APP_REGION}", "c": "${OPENAI_API_KEY}"}}
    Tenant.objects.save_config("tn_a1b2c3", doc)
    prompts = Tenant.objects.get_config("tn_a1b2c3")["prompts"]
    assert prompts == {"a": "jambo", "b": "eu-west", "c": SERVER_SECRETS["OPENAI_API_KEY"]}


def test_another_tenants_prefix_is_refused_even_when_env_allow_matches(db, monkeypatch, registry_config):
    registry_config(ENV_ALLOW=["*"])
    Tenant.objects.save_config("tn_d4e5f6", {"client": {"name": "Cape Coast"}})
    monkeypatch.setenv("TN_D4E5F6_OPENAI_API_KEY", "sk-capecoast-0123456789abcdef")
    doc = {"infrastructure": {"openai": {"api_key": "${TN_D4E5F6_OPENAI_API_KEY}"}}}
    with pytest.raises(InvalidConfig, match=r"infrastructure\.openai\.api_key: .* belongs to tenant tn_d4e5f6"):
        Tenant.objects.save_config("tn_a1b2c3", doc)
    with pytest.raises(InvalidConfig, match="belongs to tenant africastay"):  # a YAML-only tenant's prefix
        Tenant.objects.save_config("tn_a1b2c3", {"x": "${AFRICASTAY_SUPABASE_URL}"})


def test_a_shorter_own_prefix_does_not_cover_a_longer_tenants_variables(db):
    Tenant.objects.save_config("tn_a1b2c3", {"client": {"name": "A"}})
    with pytest.raises(InvalidConfig, match="belongs to tenant tn_a1b2c3"):
        Tenant.objects.save_config("tn", {"x": "${TN_A1B2C3_OPENAI_API_KEY}"})
    Tenant.objects.save_config("tn", {"x": "${TN_REGION}"})


def test_every_write_path_refuses(db, tenant_factory):
    bad = {"prompts": {"note": "${DJANGO_SECRET_KEY}"}}
    row = tenant_factory("tn_a1b2c3")
    with pytest.raises(InvalidConfig):
        Tenant.objects.filter(pk="tn_a1b2c3").update(config=bad)
    row.config = bad
    with pytest.raises(InvalidConfig):
        row.save()
    with pytest.raises(InvalidConfig):
        Tenant.objects.bulk_update([row], ["config"])
    with pytest.raises(InvalidConfig):
        Tenant.objects.bulk_create([Tenant(id="tn_new", config=bad)])
    with pytest.raises(InvalidConfig):
        Tenant.objects.create(id="tn_new2", config=bad)
    assert Tenant.objects.get(pk="tn_a1b2c3").config == {"client": {"name": "tn_a1b2c3"}}
    assert not Tenant.objects.filter(pk__in=["tn_new", "tn_new2"]).exists()


def test_the_admin_refuses_it_on_the_field(admin_client, tenant_factory):
    tenant = tenant_factory("tn_a1b2c3")
    typed = json.dumps({"prompts": {"note": "${OPENAI_KEY_AFRICASTAY}"}})
    response = admin_client.post(change("tn_a1b2c3"), form_data(tenant, typed))
    body = response.content.decode()
    assert response.status_code == 200
    assert "prompts.note: ${OPENAI_KEY_AFRICASTAY} is not an allowed variable" in body
    assert SERVER_SECRETS["OPENAI_KEY_AFRICASTAY"] not in body


@pytest.mark.django_db(transaction=True)
def test_a_row_written_past_the_checks_never_resolves_the_variable(caplog):
    """A row from before the rule, or written with SQL, reads the variable as unset."""
    Tenant.objects.save_config("tn_a1b2c3", {"prompts": {"note": "safe"}})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenant_registry_tenant SET config = %s WHERE id = 'tn_a1b2c3'",
            [json.dumps({"prompts": {"note": "k=${DJANGO_SECRET_KEY}", "d": "${DATABASE_URL:-none}"}})],
        )
    Tenant.objects.invalidate("tn_a1b2c3")
    with caplog.at_level(logging.WARNING, logger="tenant_registry"):
        prompts = Tenant.objects.get_config("tn_a1b2c3")["prompts"]
    assert prompts == {"note": "k=", "d": "none"}
    assert "variable DJANGO_SECRET_KEY may not be read by this tenant" in caplog.text


def test_yaml_only_files_are_deployed_like_code_and_read_any_variable(db, config_dir, monkeypatch):
    monkeypatch.setenv("ANY_DEPLOY_VARIABLE", "from-the-deploy")
    (config_dir / "example.yaml").write_text("client:\n  name: Example\nprompts:\n  x: ${ANY_DEPLOY_VARIABLE}\n")
    assert Tenant.objects.get_config("example")["prompts"]["x"] == "from-the-deploy"


def test_values_from_the_environment_are_masked_in_the_panel_and_tenant_config(
    staff_client, tenant_factory, registry_config, monkeypatch
):
    registry_config(ENV_ALLOW={"APP_PUBLIC_URL": "public", "APP_WEBHOOK": "masked"})
    monkeypatch.setenv("APP_PUBLIC_URL", "https://public.example")
    monkeypatch.setenv("APP_WEBHOOK", "https://hooks.example/very-private-path")
    doc = {
        "prompts": {"mixed": "k=${OPENAI_API_KEY}", "url": "${APP_PUBLIC_URL}", "hook": "${APP_WEBHOOK}"},
        "list": ["${APP_WEBHOOK}", "plain"],
    }
    Tenant.objects.save_config("tn_a1b2c3", doc)
    body = staff_client("view").get(change("tn_a1b2c3")).content.decode()
    out = io.StringIO()
    call_command("tenant_config", "tn_a1b2c3", stdout=out)
    shown = json.loads(out.getvalue())
    for text in (body, out.getvalue()):
        assert SERVER_SECRETS["OPENAI_API_KEY"] not in text
        assert "very-private-path" not in text
        assert "https://public.example" in text
    assert shown["prompts"]["mixed"] == "k=s…0000"
    assert shown["list"] == ["htt…path", "plain"]


def test_system_checks_report_a_file_that_import_would_refuse_and_a_bad_allow_setting(db, config_dir, registry_config):
    (config_dir / "tn_g7h8i9.yaml").write_text("client:\n  name: G\nprompts:\n  x: ${DJANGO_SECRET_KEY}\n")
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "tenant_registry.W008" not in out.getvalue()  # plain check reads no tenant file
    call_command("check", "--deploy", "--tag", "tenant_files", stdout=out, stderr=out)
    assert "tenant_registry.W008" in out.getvalue()
    assert "prompts.x: ${DJANGO_SECRET_KEY} is not an allowed variable" in out.getvalue()
    registry_config(ENV_ALLOW={"X": "visible"})
    with pytest.raises(Exception, match=r"tenant_registry\.E005"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_queryset_paths_refuse_a_document_too_deep_to_read_back(db, tenant_factory):
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(300):
        node["n"] = {}
        node = node["n"]
    tenant_factory("tn_a1b2c3")
    with pytest.raises(InvalidConfig, match="tenant tn_a1b2c3: nesting is deeper than 32 levels"):
        Tenant.objects.filter(pk="tn_a1b2c3").update(config=deep)
    with pytest.raises(InvalidConfig, match="tenant tn_deep: nesting is deeper"):
        Tenant.objects.bulk_create([Tenant(id="tn_deep", config=deep)])
    assert Tenant.objects.get_config("tn_a1b2c3")["client"] == {"name": "tn_a1b2c3"}
