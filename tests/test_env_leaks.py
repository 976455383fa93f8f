"""Security: the ways round the environment rule and the masking that issue 13 did not list, each
tried as an editor would (the admin's test client, the commands, the public API)."""

from __future__ import annotations

import io
import json
from html import unescape

import pytest
from django.core.management import CommandError, call_command

from tenant_registry.models import Tenant

from .admin_urls import change

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
