from __future__ import annotations

from django.urls import reverse


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
