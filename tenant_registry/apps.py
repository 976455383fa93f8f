from __future__ import annotations

from django.apps import AppConfig


class TenantRegistryConfig(AppConfig):
    name = "tenant_registry"
    verbose_name = "Tenant registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, deploy_checks, domain_signals, row_checks, secret_dir_checks, signals  # noqa: F401 - importing registers the checks and receivers
        from .middleware import checks as middleware_checks  # noqa: F401
