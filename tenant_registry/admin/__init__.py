"""The Tenant admin: the change list and form (``tenants``), their display helpers, the tenant
files, history and restore, the form and the effective-config preview."""

from __future__ import annotations

from .tenants import TenantAdmin

__all__ = ["TenantAdmin"]
