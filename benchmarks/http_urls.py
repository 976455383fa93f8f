"""The demo's URLs plus the HTTP bench's floor and peer: the same view answering from this worker's own
copy of the config, as it is (the floor) or through a private copy made for each request (the peer).
The demo's view comes first, so that URL resolution costs it no more than the floor."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, JsonResponse
from django.urls import path

from project.urls import urlpatterns as project_urls
from project.views import answer, request_config, tenant_config
from tenant_registry.models import Tenant

_copies: dict[str, dict[str, Any] | None] = {}
_encoded: dict[str, bytes] = {}


def _config(tenant_id: str) -> dict[str, Any] | None:
    """get_config once per worker and tenant."""
    if tenant_id not in _copies:
        _copies[tenant_id] = Tenant.objects.get_config(tenant_id)
    return _copies[tenant_id]


def floor(request: HttpRequest, tenant_id: str) -> JsonResponse:
    """``tenant_config`` with the config from a plain dict."""
    return answer(_config(tenant_id))


def private_copy(request: HttpRequest, tenant_id: str) -> JsonResponse:
    """The floor plus what get_config owes every caller at least: a private copy (orjson.loads of the
    config's JSON, the cheapest way to build one)."""
    if tenant_id not in _encoded:
        _encoded[tenant_id] = orjson.dumps(_config(tenant_id))
    return answer(orjson.loads(_encoded[tenant_id]))


urlpatterns = [
    path("tenant-config/<str:tenant_id>/", tenant_config),
    path("request-config/", request_config),
    path("floor/<str:tenant_id>/", floor),
    path("private-copy/<str:tenant_id>/", private_copy),
    *project_urls,
]
