"""The demo's URLs plus the HTTP bench's floor: the same view answering from a dict of this worker."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path

from project.urls import urlpatterns as project_urls
from project.views import answer
from tenant_registry.models import Tenant

_copies: dict[str, dict[str, Any] | None] = {}


def floor(request: HttpRequest, tenant_id: str) -> JsonResponse:
    """``tenant_config`` with the config from a plain dict: get_config runs once per worker and tenant."""
    if tenant_id not in _copies:
        _copies[tenant_id] = Tenant.objects.get_config(tenant_id)
    return answer(_copies[tenant_id])


urlpatterns = [path("floor/<str:tenant_id>/", floor), *project_urls]
