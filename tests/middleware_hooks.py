"""Hooks the middleware tests name in TENANT_REGISTRY by dotted path."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def allow_staff_of(request: HttpRequest, tenant_id: str) -> bool:
    """The header's tenant only for a signed-in user whose name is ``<tenant id>-staff``."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.get_username() == f"{tenant_id}-staff")


def unknown_tenant_page(request: HttpRequest) -> HttpResponse:
    assert request.tenant is None and request.tenant_config is None  # type: ignore[attr-defined]
    return HttpResponse("pick a tenant", status=421)


async def aunknown_tenant_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pick a tenant (async)", status=421)


def by_query(request: HttpRequest) -> str | None:
    """A custom resolver: ``?tenant=<id>``."""
    return request.GET.get("tenant")
