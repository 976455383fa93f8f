from __future__ import annotations

from django.apps import AppConfig


class TenantRegistryConfig(AppConfig):
    name = "tenant_registry"
    verbose_name = "Tenant registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import cache, conf, domain_signals, metrics, signals
        from .checks import register_checks
        from .checks.metrics import warn_at_startup

        register_checks()
        signals.connect()
        domain_signals.connect()
        cache.install()
        metrics.install()
        warn_at_startup()  # gunicorn runs no checks
        conf.get_settings.cache_clear()  # built again at first use, as if nothing had read it this early
