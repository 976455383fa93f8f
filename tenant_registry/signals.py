"""Receivers: strip secrets from fixture rows, and invalidate a tenant's entry once its change commits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .cache import invalidate_on_commit
from .models import Tenant


@receiver(pre_save, sender=Tenant, dispatch_uid="tenant_registry_raw_save")
def strip_fixture_secrets(sender: type[Tenant], instance: Tenant, raw: bool, **kwargs: Any) -> None:
    """``loaddata`` saves raw, past ``Tenant.save()``: its checks run here instead."""
    if raw:
        instance.strip_secrets()
        database = instance.config_source == Tenant.Source.DATABASE
        Tenant.objects.check_new_prefixes({instance.pk: instance.config if database else None})


@receiver(post_save, sender=Tenant, dispatch_uid="tenant_registry_saved")
@receiver(post_delete, sender=Tenant, dispatch_uid="tenant_registry_deleted")
def invalidate_tenant(sender: type[Tenant], instance: Tenant, using: str, **kwargs: Any) -> None:
    invalidate_on_commit([instance.pk], using)
