"""Receivers: strip secrets from fixture rows, invalidate a tenant's entry once its change commits,
and forget what was built from the settings when they change.

Also the signals an application listens to: ``tenant_config_changed`` (sent in every process once its
in-process tier dropped a tenant's entry) and ``tenant_registry_resync`` (docs/listeners.md)."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save, pre_save

from . import cache, conf, metrics
from .cache import invalidate_on_commit
from .cache.changes import UNKNOWN, Change, sections_changed
from .cache.listeners import tenant_config_changed, tenant_registry_resync
from .config_files import tenant_files
from .documents import schema
from .hosts import request_host
from .middleware.options import options
from .models import Tenant


def strip_fixture_secrets(sender: type[Tenant], instance: Tenant, raw: bool, **kwargs: Any) -> None:
    """``loaddata`` saves raw, past ``Tenant.save()``: its checks run here instead."""
    if raw:
        instance.strip_secrets()
        database = instance.config_source == Tenant.Source.DATABASE
        Tenant.objects.check_new_prefixes({instance.pk: instance.config if database else None})


__all__ = ["tenant_config_changed", "tenant_registry_resync"]


def invalidate_saved(sender: type[Tenant], instance: Tenant, using: str, created: bool, **kwargs: Any) -> None:
    known = instance.__dict__.pop("_sections_changed", None)  # set by save_config; else unknown for an update
    sections = sections_changed(None, instance.config) if created else known
    invalidate_on_commit([instance.pk], using, {instance.pk: Change(instance.version, sections)})


def invalidate_deleted(sender: type[Tenant], instance: Tenant, using: str, **kwargs: Any) -> None:
    invalidate_on_commit([instance.pk], using, {instance.pk: UNKNOWN})


def settings_changed(*, setting: str, **kwargs: Any) -> None:
    """The one receiver, so the order is fixed: the settings first, then what was built from them."""
    if setting in (conf.SETTING_NAME, "BASE_DIR", "CACHES"):
        conf.get_settings.cache_clear()
        schema.forget()
        tenant_files.clear_parse_cache()
    if setting in (conf.SETTING_NAME, "CACHES"):
        cache.reset()
    if setting in (conf.SETTING_NAME, "BASE_DIR"):
        options.cache_clear()  # TenantMiddleware's compiled settings
    if setting in request_host.SETTINGS:
        request_host.forget()
    if setting == conf.SETTING_NAME:
        metrics.settings_changed()


def connect() -> None:
    setting_changed.connect(settings_changed, dispatch_uid="tenant_registry_settings_changed")
    pre_save.connect(strip_fixture_secrets, sender=Tenant, dispatch_uid="tenant_registry_raw_save")
    post_save.connect(invalidate_saved, sender=Tenant, dispatch_uid="tenant_registry_saved")
    post_delete.connect(invalidate_deleted, sender=Tenant, dispatch_uid="tenant_registry_deleted")
