from __future__ import annotations

from django.apps import AppConfig


class TenantRegistryConfig(AppConfig):
    name = "tenant_registry"
    verbose_name = "Tenant registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import cache, domain_signals, signals
        from .checks import register_checks

        register_checks()
        signals.connect()
        domain_signals.connect()
        cache.install()
