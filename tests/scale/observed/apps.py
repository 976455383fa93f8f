from __future__ import annotations

from django.apps import AppConfig


class ObservedConfig(AppConfig):
    name = "tests.scale.observed"
    label = "observed"

    def ready(self) -> None:
        from tenant_registry.signals import tenant_config_changed, tenant_registry_resync

        from . import receivers

        tenant_config_changed.connect(receivers.changed, dispatch_uid="observed-changed")
        tenant_registry_resync.connect(receivers.resynced, dispatch_uid="observed-resync")
