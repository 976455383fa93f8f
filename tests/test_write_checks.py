"""Security: a row the write rules checked once (an imported file's, in the plan) is walked again
whenever anything the walk depends on changed (its config, in place or not, and SECRET_KEYS), and
its references are checked again at every write, in that write's transaction."""

from __future__ import annotations

import json

import pytest

from tenant_registry.config_files import importer
from tenant_registry.exceptions import InvalidConfig
from tenant_registry.models import Tenant

LITERAL = "sk-LITERAL-7f3a9c"


def test_a_config_changed_in_place_after_a_check_is_checked_again(db):
    tenant = Tenant(id="tn_a1b2c3", config={"email": {"host": "smtp"}, "prompts": {"x": "${TN_A1B2C3_X}"}})
    assert tenant.strip_secrets() == []
    tenant.config["email"]["smtp_password"] = LITERAL
    assert tenant.strip_secrets() == ["email.smtp_password"]
    tenant.config["prompts"]["y"] = "${DJANGO_SECRET_KEY}"
    with pytest.raises(InvalidConfig, match=r"prompts\.y: \$\{DJANGO_SECRET_KEY\} is not an allowed variable"):
        tenant.save()
    del tenant.config["prompts"]["y"]
    tenant.save()
    assert Tenant.objects.get(pk="tn_a1b2c3").config == {"email": {"host": "smtp"}, "prompts": {"x": "${TN_A1B2C3_X}"}}


def test_a_config_checked_under_other_secret_keys_is_checked_again(db, registry_config):
    tenant = Tenant(id="tn_a1b2c3", config={"billing": {"stripe_pin": "1234", "plan": "annual"}})
    assert tenant.strip_secrets() == []
    registry_config(SECRET_KEYS=("api_key", "password", "pin"))
    assert tenant.strip_secrets() == ["billing.stripe_pin"]
    assert tenant.config == {"billing": {"plan": "annual"}}


def test_a_literal_secret_in_a_tuple_is_stripped(db):
    tenant = Tenant(id="tn_a1b2c3", config={"infrastructure": {"openai": {"api_key": (LITERAL, "${OPENAI_API_KEY}")}}})
    tenant.save()
    assert LITERAL not in json.dumps(Tenant.objects.get(pk="tn_a1b2c3").config)


def test_an_import_checks_references_again_when_it_writes(db, tmp_path):
    """A prefix claimed between the plan and its writing is refused by the write, in its transaction."""
    (tmp_path / "tn_a.yaml").write_text("prompts:\n  x: ${TN_A_B_TOKEN_NAME:-n}\n")
    plan = importer.plan([tmp_path])
    assert plan.errors == [] and plan.count("created") == 1
    Tenant.objects.save_config("tn_a-b", {"client": {"name": "B"}})  # its prefix TN_A_B_ now holds that variable
    with pytest.raises(InvalidConfig, match=r"\$\{TN_A_B_TOKEN_NAME\} belongs to tenant tn_a-b"):
        importer.apply(plan)
    assert not Tenant.objects.filter(pk="tn_a").exists()
