"""Security: the ways round the environment rule and the masking that issue 13 did not list, each
tried as an editor would (the admin's test client, the commands, the public API)."""

from __future__ import annotations

import io
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
