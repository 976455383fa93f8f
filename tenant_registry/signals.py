"""Receivers: strip secrets from fixture rows, and invalidate a tenant's entry once its change commits.

Also the signals an application listens to: ``tenant_config_changed`` (sent in every process once its
in-process tier dropped a tenant's entry) and ``tenant_registry_resync`` (docs/listeners.md)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .cache import invalidate_on_commit
from .cache.changes import UNKNOWN, Change, sections_changed
from .cache.listeners import tenant_config_changed, tenant_registry_resync
from .models import Tenant


@receiver(pre_save, sender=Tenant, dispatch_uid="tenant_registry_raw_save")
def strip_fixture_secrets(sender: type[Tenant], instance: Tenant, raw: bool, **kwargs: Any) -> None:
    """``loaddata`` saves raw, past ``Tenant.save()``: its checks run here instead."""
    if raw:
        instance.strip_secrets()
        database = instance.config_source == Tenant.Source.DATABASE
        Tenant.objects.check_new_prefixes({instance.pk: instance.config if database else None})


__all__ = ["tenant_config_changed", "tenant_registry_resync"]


@receiver(post_save, sender=Tenant, dispatch_uid="tenant_registry_saved")
def invalidate_saved(sender: type[Tenant], instance: Tenant, using: str, created: bool, **kwargs: Any) -> None:
    known = instance.__dict__.pop("_sections_changed", None)  # set by save_config; else unknown for an update
    sections = sections_changed(None, instance.config) if created else known
    invalidate_on_commit([instance.pk], using, {instance.pk: Change(instance.version, sections)})


@receiver(post_delete, sender=Tenant, dispatch_uid="tenant_registry_deleted")
def invalidate_deleted(sender: type[Tenant], instance: Tenant, using: str, **kwargs: Any) -> None:
    invalidate_on_commit([instance.pk], using, {instance.pk: UNKNOWN})
