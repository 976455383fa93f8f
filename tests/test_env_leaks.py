"""Security: the ways round the environment rule and the masking that issue 13 did not list, each
tried as an editor would (the admin's test client, the commands, the public API)."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from django.core.management import CommandError, call_command

from tenant_registry.exceptions import InvalidConfig
from tenant_registry.models import Tenant

from .admin.pages import change

OPENAI = "sk-global-0123456789abcdef-LEAKME"


@pytest.fixture(autouse=True)
def server_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI)
    monkeypatch.delenv("TN_A1B2C3_UNSET", raising=False)


def test_a_required_variables_message_never_carries_a_value(staff_client):
    """``${UNSET:?${OPENAI_API_KEY}}``: the error note, tenant_config's error and the exception name
    the variable; none holds its value."""
    Tenant.objects.save_config("tn_a1b2c3", {"prompts": {"note": "${TN_A1B2C3_UNSET:?ask ${OPENAI_API_KEY}}"}})
    body = unescape(staff_client("view").get(change("tn_a1b2c3")).content.decode())
    assert "prompts.note: required variable TN_A1B2C3_UNSET is missing a value: ask ${OPENAI_API_KEY}" in body
    with pytest.raises(CommandError) as failed:
        call_command("tenant_config", "tn_a1b2c3", stdout=io.StringIO())
    assert str(failed.value).endswith("missing a value: ask ${OPENAI_API_KEY}")
    for shown in (body, str(failed.value)):
        assert "LEAKME" not in shown


def test_text_around_a_short_value_does_not_uncover_its_ends(staff_client, monkeypatch):
    """A short value shows only as "set"; padding it with literal text, or with a long variable under
    a secret key, made the whole long enough to show its first 3 and last 4 characters."""
    monkeypatch.setenv("SMTP_PASSWORD", "Qz7-042917")
    doc = {
        "prompts": {"before": "x" * 16 + "${SMTP_PASSWORD}", "after": "${SMTP_PASSWORD}" + "x" * 16},
        "email": {"smtp": {"password": "${TN_A1B2C3_UNSET:-${OPENAI_API_KEY}${SMTP_PASSWORD}}"}},
        "long": "note ${OPENAI_API_KEY}",
    }
    Tenant.objects.save_config("tn_a1b2c3", doc)
    out = io.StringIO()
    call_command("tenant_config", "tn_a1b2c3", stdout=out)
    body = unescape(staff_client("view").get(change("tn_a1b2c3")).content.decode())
    for shown in (out.getvalue(), body):
        assert "Qz7" not in shown and "2917" not in shown
    shown = json.loads(out.getvalue())
    assert shown["prompts"] == {"before": "set", "after": "set"}
    assert shown["email"]["smtp"]["password"] == "set"
    assert shown["long"] == "not…AKME"  # a long value still shows its ends, as a secret's mask does


# A tenant created after another's reference to its prefix ---------------------------------------------


def test_a_tenant_whose_prefix_another_already_reads_is_not_created(monkeypatch, admin_client):
    """``tn_a`` may write ``${TN_A_B_OPENAI_API_KEY}`` while no ``tn_a-b`` exists (its own prefix covers
    it); creating ``tn_a-b`` then would hand ``tn_a`` that tenant's key, so the creation is refused."""
    monkeypatch.setenv("TN_A_B_OPENAI_API_KEY", "sk-tenant-b-0123456789abcdef")
    Tenant.objects.save_config("tn_a", {"infrastructure": {"openai": {"api_key": "${TN_A_B_OPENAI_API_KEY}"}}})
    refused = (
        r"tenant tn_a[-_]b: its environment prefix TN_A_B_ would give tenant tn_a this tenant's variables, which "
        r"tn_a references at infrastructure\.openai\.api_key \(\$\{TN_A_B_OPENAI_API_KEY\}\)"
    )
    for create in (
        lambda: Tenant.objects.save_config("tn_a-b", {"client": {"name": "B"}}),
        lambda: Tenant.objects.create(id="tn_a_b"),
        lambda: Tenant.objects.bulk_create([Tenant(id="tn_a-b")]),
    ):
        with pytest.raises(InvalidConfig, match=refused):
            create()
    add = admin_client.post(
        "/admin/tenant_registry/tenant/add/",
        {"id": "tn_a-b", "name": "", "status": "active", "config_source": "database", "config": "{}"},
        follow=True,
    )
    assert add.status_code == 200 and "Not done: tenant tn_a-b: its environment prefix TN_A_B_" in unescape(
        add.content.decode()
    )
    assert not Tenant.objects.filter(pk__in=["tn_a-b", "tn_a_b"]).exists()
    Tenant.objects.save_config("tn_a", {"infrastructure": {"openai": {"api_key": "${TN_A_OPENAI_API_KEY}"}}})
    assert Tenant.objects.save_config("tn_a-b", {"client": {"name": "B"}}).version == 1


def test_a_longer_prefix_never_reaches_a_shorter_tenants_secret_env_variables(db, monkeypatch):
    """``ACME_OPENAI_API_KEY`` is ``acme``'s OpenAI key (SECRET_ENV) and lies under ``acme-openai``'s own
    prefix: that tenant may not reference it, and ``acme`` is not created while it does."""
    monkeypatch.setenv("ACME_OPENAI_API_KEY", "sk-acme-own-0123456789abcdef")
    reference = {"infrastructure": {"openai": {"api_key": "${ACME_OPENAI_API_KEY}"}}}
    Tenant.objects.save_config("acme-openai", reference)  # no acme yet: its own prefix covers the name
    with pytest.raises(InvalidConfig, match="tenant acme: its environment prefix ACME_ would give tenant acme-openai"):
        Tenant.objects.save_config("acme", {"infrastructure": {"openai": {"model": "gpt-4o"}}})
    Tenant.objects.save_config("acme-openai", {"client": {"name": "AO"}})
    Tenant.objects.save_config("acme", {"infrastructure": {"openai": {"model": "gpt-4o"}}})
    assert Tenant.objects.get_config("acme")["infrastructure"]["openai"]["api_key"].startswith("sk-acme-own")
    with pytest.raises(InvalidConfig, match=r"\$\{ACME_OPENAI_API_KEY\} belongs to tenant acme"):
        Tenant.objects.save_config("acme-openai", reference)


def test_one_import_cannot_create_a_tenant_and_another_that_reads_its_variables(db, tmp_path):
    folder = tmp_path / "elsewhere"  # not CONFIG_DIR: the plan knows tn_c-d only from this import
    folder.mkdir()
    (folder / "tn_c.yaml").write_text("prompts:\n  x: ${TN_C_D_OPENAI_API_KEY}\n")
    (folder / "tn_c-d.yaml").write_text("client:\n  name: D\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_tenants", str(folder), stdout=io.StringIO(), stderr=err)
    assert "tenant tn_c: prompts.x: ${TN_C_D_OPENAI_API_KEY} belongs to tenant tn_c-d" in err.getvalue()
    assert list(Tenant.objects.values_list("pk", flat=True)) == ["tn_c-d"]
    with pytest.raises(InvalidConfig, match="its environment prefix TN_E_F_ would give tenant tn_e"):
        Tenant.objects.bulk_create([Tenant(id="tn_e", config={"x": "${TN_E_F_KEY}"}), Tenant(id="tn_e-f")])


def test_import_tenants_refuses_a_file_reading_what_its_tenant_may_not(db, tmp_path, tenant_factory):
    tenant_factory("tn_d4e5f6")
    (tmp_path / "tn_a1b2c3.yaml").write_text(
        "prompts:\n  a: ${TN_D4E5F6_OPENAI_API_KEY}\n  b: x-${TN_A1B2C3_X:-${DJANGO_SECRET_KEY}}\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_tenants", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "tenant tn_a1b2c3: prompts.a: ${TN_D4E5F6_OPENAI_API_KEY} is not an allowed variable" in err.getvalue()
    assert "prompts.b: ${DJANGO_SECRET_KEY} is not an allowed variable" in err.getvalue()
    assert not Tenant.objects.filter(pk="tn_a1b2c3").exists()


def test_no_credential_of_a_demo_tenant_can_be_borrowed_by_another(db):
    """ENV_ALLOW grants a variable to every database tenant, so the demo grants none of the tenants'
    credentials: each reference a configs/ file holds under a secret key is refused to another tenant."""
    call_command("import_tenants", stdout=io.StringIO())
    borrowed = []
    for tenant in Tenant.objects.filter(config_source="database"):
        raw = io.StringIO()
        call_command("tenant_config", tenant.pk, "--raw", stdout=raw)
        for reference in re.findall(r'"(\$\{[A-Z0-9_]+\})"', raw.getvalue()):
            with pytest.raises(InvalidConfig, match="not an allowed variable|belongs to tenant"):
                Tenant.objects.save_config("tn_other", {"infrastructure": {"openai": {"api_key": reference}}})
            borrowed.append(reference)
    assert borrowed == ["${TN_D4E5F6_OPENAI_API_KEY}"]  # the demo's one credential reference, tried


def test_loaddata_cannot_create_a_tenant_another_reads_either(db, tmp_path):
    Tenant.objects.save_config("tn_a", {"prompts": {"x": "${TN_A_B_OPENAI_API_KEY}"}})
    row = {"name": "", "status": "active", "config_source": "database", "version": 1, "config": {}}
    stamps = {"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    fixture = tmp_path / "tenants.json"
    fixture.write_text(json.dumps([{"model": "tenant_registry.tenant", "pk": "tn_a-b", "fields": {**row, **stamps}}]))
    with pytest.raises(InvalidConfig, match="tenant tn_a-b: its environment prefix TN_A_B_ would give tenant tn_a"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not Tenant.objects.filter(pk="tn_a-b").exists()
