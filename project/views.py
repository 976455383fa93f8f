"""The demo's read views: a tenant's config as JSON, as an app would serve it (also run by the scale tests
and the HTTP bench)."""

from __future__ import annotations

import os

from django.http import Http404, HttpRequest, JsonResponse

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
