"""Receivers that invalidate a tenant's cache entry once its change commits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .invalidation import invalidate_on_commit
from .models import Tenant


@receiver(post_save, sender=Tenant, dispatch_uid="tenant_registry_saved")
@receiver(post_delete, sender=Tenant, dispatch_uid="tenant_registry_deleted")
def invalidate_tenant(sender: type[Tenant], instance: Tenant, using: str, **kwargs: Any) -> None:
    invalidate_on_commit([instance.pk], using)
