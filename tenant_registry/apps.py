from __future__ import annotations

from django.apps import AppConfig


class TenantRegistryConfig(AppConfig):
    name = "tenant_registry"
    verbose_name = "Tenant registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, conf, deploy_checks, row_checks, secret_dir_checks, signals  # noqa: F401 - importing registers the checks and receivers
        from .metrics import checks as metrics_checks
        from .metrics import select

        select.install_or_off()
        metrics_checks.warn_at_startup()
        conf.get_settings.cache_clear()  # read again at first use, as if nothing had read it this early
