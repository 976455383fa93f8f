"""Security: one secret-key rule for every spelling, and no literal smuggled inside a reference."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tenant_registry.models import Tenant

from .admin.pages import change, form_data

SMUGGLED = "sk-SMUGGLED-0123456789"


@pytest.mark.parametrize(
    "key",
    [
        "api-key",
        "apiKey",
        "ApiKey",
        "apikey",
        "secret_key",
        "aws_secret_access_key",
        "api_key ",
        " Password",
        "\uff21\uff30\uff29_\uff2b\uff25\uff39",  # full-width API_KEY
        "client.secret",
        "refresh_token",
        "smtp_password_2",
        "api_keys",
        "apiKeys",
        "secrets",
        "smtp_passwords",
        "pass\u200bword",  # zero-width space
        "api\u00ad_key",  # soft hyphen
        "private_key_pem",
    ],
)
def test_every_spelling_of_a_secret_key_is_stripped_on_save(db, key):
    tenant = Tenant.objects.save_config("tn_a1b2c3", {"email": {key: "hunter2-literal-value", "host": "smtp"}})
    assert tenant.config == {"email": {"host": "smtp"}}
    assert "hunter2" not in json.dumps(Tenant.objects.get_config("tn_a1b2c3"))


@pytest.mark.parametrize(
    "key",
    [
        "max_tokens",
        "token_count",
        "password_min_length",
        "api_key_id",
        "tokenizer",
        "secretary",
        "keys",
        "credential_id",
        "pwd_min_length",
    ],
)
def test_names_that_only_contain_a_secret_word_are_kept(db, key):
    tenant = Tenant.objects.save_config("tn_a1b2c3", {"llm": {key: 1024}})
    assert tenant.config == {"llm": {key: 1024}}


@pytest.mark.parametrize(
    "value",
    [
        f"${{NOPE_UNSET?{SMUGGLED}}}",
        f"${{NOPE_UNSET:?{SMUGGLED}}}",
        f"${{NOPE_UNSET:-{SMUGGLED}}}",
        f"${{NOPE_UNSET-{SMUGGLED}}}",
        f"${{OPENAI_API_KEY:+{SMUGGLED}}}",
        f"${{OPENAI_API_KEY+{SMUGGLED}}}",
        f"${{NOPE_UNSET:-${{OTHER:-{SMUGGLED}}}}}",
        f"${{NOPE_UNSET:-${{OPENAI_API_KEY}}{SMUGGLED}}}",
    ],
)
def test_a_literal_inside_a_reference_under_a_secret_key_is_never_stored(db, value):
    tenant = Tenant.objects.save_config("tn_a1b2c3", {"infrastructure": {"openai": {"api_key": value}}})
    assert SMUGGLED not in json.dumps(tenant.config)
    assert SMUGGLED not in json.dumps([h.config for h in tenant.history.all()])
    out = io.StringIO()
    call_command("export_tenants", "tn_a1b2c3", stdout=out)
    assert SMUGGLED not in out.getvalue()


@pytest.mark.parametrize("value", ["${OPENAI_API_KEY}", "${OPENAI_API_KEY:-}", "${TN_A1B2C3_KEY:-${OPENAI_API_KEY}}"])
def test_pure_references_under_a_secret_key_are_kept(db, value):
    tenant = Tenant.objects.save_config("tn_a1b2c3", {"infrastructure": {"openai": {"api_key": value}}})
    assert tenant.config == {"infrastructure": {"openai": {"api_key": value}}}


def test_the_admin_refuses_a_smuggled_literal_with_its_key_path(admin_client, tenant_factory):
    tenant = tenant_factory("tn_a1b2c3")
    typed = json.dumps({"infrastructure": {"openai": {"api_key": f"${{NOPE_UNSET?{SMUGGLED}}}"}}})
    response = admin_client.post(change("tn_a1b2c3"), form_data(tenant, typed))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Literal secret values are not stored: infrastructure.openai.api_key" in body
    assert Tenant.objects.get(pk="tn_a1b2c3").config == {"client": {"name": "tn_a1b2c3"}}
