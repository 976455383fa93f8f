"""The demo's read views: a tenant's config as JSON, as an app would serve it (also run by the scale tests
and the HTTP bench)."""

from __future__ import annotations

import json
import os

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.html import format_html

from tenant_registry.documents.masking import mask_secrets
from tenant_registry.exceptions import InvalidTenantId
from tenant_registry.models import Tenant


def answer(config: dict[str, object] | None) -> JsonResponse:
    if config is None:
        raise Http404("no such tenant")
    response = JsonResponse(config)
    response["X-Worker-Pid"] = str(os.getpid())  # which worker answered: the scale tests check each one
    return response


def tenant_config(request: HttpRequest, tenant_id: str) -> JsonResponse:
    try:
        return answer(Tenant.objects.get_config(tenant_id))
    except InvalidTenantId as exc:
        raise Http404(str(exc)) from exc


async def atenant_config(request: HttpRequest, tenant_id: str) -> JsonResponse:
    try:
        return answer(await Tenant.objects.aget_config(tenant_id))
    except InvalidTenantId as exc:
        raise Http404(str(exc)) from exc


def home(request: HttpRequest) -> HttpResponse:
    """The demo's page: on a tenant's host (``kilimanjaro.localhost:8000``), that tenant's config as
    TenantMiddleware gave it (secrets masked, everything escaped); elsewhere, the admin."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return HttpResponseRedirect("/admin/")
    config = mask_secrets(request.tenant_config)  # type: ignore[attr-defined]
    name = config.get("client", {}).get("name") or tenant
    text = json.dumps(config, indent=2, ensure_ascii=False)
    page = format_html(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{}</title></head><body>"
        "<h1>{}</h1><p>Tenant <code>{}</code>, served for host <code>{}</code>.</p><pre>{}</pre></body></html>",
        name,
        name,
        tenant,
        request.get_host(),
        text,
    )
    return HttpResponse(page)


def request_config(request: HttpRequest) -> JsonResponse:
    """``tenant_config`` with the tenant TenantMiddleware found for the request (the HTTP bench's row)."""
    return answer(request.tenant_config)  # type: ignore[attr-defined]


async def arequest_config(request: HttpRequest) -> JsonResponse:
    return answer(request.tenant_config)  # type: ignore[attr-defined]


def request_tenant(request: HttpRequest) -> JsonResponse:
    """Which tenant the middleware found, without reading its config (a health check's cost)."""
    response = JsonResponse({"tenant": getattr(request, "tenant", None)})
    response["X-Worker-Pid"] = str(os.getpid())
    return response


def unknown_tenant(request: HttpRequest) -> HttpResponse:
    """An UNKNOWN_TENANT view: a 404 that says which worker answered (the scale tests)."""
    response = HttpResponse("no tenant is served on this host\n", status=404, content_type="text/plain")
    response["X-Worker-Pid"] = str(os.getpid())
    return response
