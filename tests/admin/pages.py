"""What the admin's tests share: the page addresses, the tenant they start from, a form's data,
and a response's text."""

from __future__ import annotations

from html import unescape

from django.urls import reverse

ACME = {"client": {"name": "Acme"}, "infrastructure": {"openai": {"model": "gpt-4o", "api_key": "${OPENAI_API_KEY}"}}}


def html(response) -> str:
    """The page as sent: escaping is visible."""
    return response.content.decode()


def text(response) -> str:
    """The page as a reader sees its text: entities unescaped."""
    return unescape(html(response))


def changelist() -> str:
    return reverse("admin:tenant_registry_tenant_changelist")


def change(pk: str) -> str:
    return reverse("admin:tenant_registry_tenant_change", args=[pk])


def history(pk: str) -> str:
    return reverse("admin:tenant_registry_tenant_history", args=[pk])


def restore(pk: str, history_id: int) -> str:
    return reverse("admin:tenant_registry_tenant_restore", args=[pk, history_id])


def form_data(tenant, config_text: str, **overrides) -> dict[str, str]:
    data = {
        "name": tenant.name,
        "status": tenant.status,
        "config_source": tenant.config_source,
        "config": config_text,
        "expected_version": str(tenant.version),
        "_save": "Save",
    }
    data.update(overrides)
    return data
