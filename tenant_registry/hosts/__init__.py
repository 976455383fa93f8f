"""Hosts and the tenants they belong to: a request's host, and the cached Domain lookup."""

from __future__ import annotations

from collections.abc import Iterator

from django.apps import apps

from .lookup import NeedsIO, find, key, local
from .names import candidates, normalize
from .request_host import request_domain

__all__ = [
    "NeedsIO",
    "is_registered_host",
    "known_keys",
    "request_domain",
    "tenant_for_domain",
    "tenant_for_domain_local",
    "tenant_for_host",
]


def tenant_for_host(host: str) -> str | None:
    """The tenant a host (``shop.example.com``, port and case ignored) is served for: its own
    Domain, else the closest wildcard above it; None if none. Cached like configs."""
    return tenant_for_domain(_domain(host))


def tenant_for_domain(domain: str) -> str | None:
    """:func:`tenant_for_host` of a host already normalized (as ``request_domain`` gives it)."""
    found = find(domain)  # the common case first, without building the wildcards' names
    if found is not None:
        return found
    for name in candidates(domain)[1:]:
        found = find(name)
        if found is not None:
            return found
    return None


def tenant_for_domain_local(domain: str) -> str | None:
    """:func:`tenant_for_domain` from this process's memory only; NeedsIO when that is not enough."""
    found = local(domain)
    if found is not None:
        return found
    for name in candidates(domain)[1:]:
        found = local(name)
        if found is not None:
            return found
    return None


def is_registered_host(host: str) -> bool:
    """Whether the registry serves a tenant on ``host``: validate hosts with it instead of listing
    every customer domain in ALLOWED_HOSTS (docs/middleware.md)."""
    return tenant_for_host(host) is not None


def known_keys() -> Iterator[str]:
    """The cache keys of every Domain row, for ``invalidate_all`` on stores that cannot scan."""
    model = apps.get_model("tenant_registry", "Domain")
    for name in model.objects.values_list("domain", flat=True).iterator():
        yield key(name)


def _domain(host: str) -> str:
    return normalize(host.rsplit(":", 1)[0] if host.count(":") == 1 else host)
