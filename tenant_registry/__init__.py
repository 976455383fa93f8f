"""Per-tenant configuration: PostgreSQL as the source of truth, Redis in front, YAML behind."""

from __future__ import annotations

from typing import Any

from . import moved

moved.install()

__all__ = ["get_tenant_config", "list_all_tenants"]


def get_tenant_config(tenant_id: str) -> dict[str, Any] | None:
    from .models import Tenant

    return Tenant.objects.get_config(tenant_id)


def list_all_tenants() -> list[str]:
    from .models import Tenant

    return Tenant.objects.list_tenants()
