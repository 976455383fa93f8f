"""The resolvers TenantMiddleware ships: each ``request -> tenant id | None``, named in
``TENANT_REGISTRY["RESOLVERS"]`` and tried in order. A resolver's ``local`` attribute, when it has
one, answers without I/O or raises ``NeedsIO``: under ASGI the chain then runs on the event loop."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .hosts import NeedsIO, request_domain, tenant_for_domain, tenant_for_domain_local
from .middleware.options import options


def host(request: HttpRequest) -> str | None:
    """The Domain of the request's host (X-Forwarded-Host only with USE_X_FORWARDED_HOST), else the
    closest wildcard above it."""
    return tenant_for_domain(request_domain(request))


def _host_local(request: HttpRequest) -> str | None:
    return tenant_for_domain_local(request_domain(request))


def header(request: HttpRequest) -> str | None:
    """``TENANT_HEADER``, and only when ``HEADER_AUTHORIZE(request, tenant_id)`` allows it for this
    request (its user): anyone can send a header. Refused: 403."""
    opts = options()
    value = request.META.get(opts.header_meta)
    if not value:
        return None
    tenant_id = str(value).strip()
    if opts.authorize is None or not opts.authorize(request, tenant_id):
        raise PermissionDenied(f"{opts.header_meta}: not allowed for this request")
    return tenant_id


def _header_local(request: HttpRequest) -> str | None:
    if request.META.get(options().header_meta):
        raise NeedsIO("the authorization hook may read the user")
    return None


def path_prefix(request: HttpRequest) -> str | None:
    """``/t/<tenant id>/...`` with the default ``PATH_PREFIX``; the path is left as it is."""
    prefix = options().path_prefix
    path = request.path_info
    if not path.startswith(prefix):
        return None
    return path[len(prefix) :].split("/", 1)[0] or None


host.local = _host_local  # type: ignore[attr-defined]
header.local = _header_local  # type: ignore[attr-defined]
path_prefix.local = path_prefix  # type: ignore[attr-defined]
