"""The tenant of a request: ``TenantMiddleware`` sets ``request.tenant`` and ``request.tenant_config``."""

from __future__ import annotations

from .core import TenantMiddleware

__all__ = ["TenantMiddleware"]
