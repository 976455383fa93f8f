"""A Domain's host lookups are invalidated once its change commits, in every process, as configs are:
its name (and its name before a rename) through the same after-commit invalidation."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from .cache import invalidate_on_commit
from .domains import Domain
from .hosts.lookup import key


def invalidate_domain(sender: type[Domain], instance: Domain, using: str, **kwargs: Any) -> None:
    names = {instance.domain, instance._loaded_domain} - {None}
    invalidate_on_commit([key(str(name)) for name in names], using)


def connect() -> None:
    post_save.connect(invalidate_domain, sender=Domain, dispatch_uid="tenant_registry_domain_saved")
    post_delete.connect(invalidate_domain, sender=Domain, dispatch_uid="tenant_registry_domain_deleted")
