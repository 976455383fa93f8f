"""TenantMiddleware in an async chain: an answer this process holds in memory is found on the event
loop; anything else goes to Django's sync thread once."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, JsonResponse
from django.test import RequestFactory

from tenant_registry.middleware import TenantMiddleware
from tenant_registry.models import Domain, Tenant

from .helpers import wait_live
from .test_async_read import in_own_loop

pytestmark = pytest.mark.django_db(transaction=True)


async def view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tenant": request.tenant, "config": request.tenant_config})  # type: ignore[attr-defined]


def served_while_the_sync_thread_sleeps(host: str, seconds: float = 1.0) -> tuple[Any, float]:
    middleware = TenantMiddleware(view)
    assert asyncio.iscoroutinefunction(middleware)

    async def scenario() -> tuple[Any, float]:
        busy = asyncio.ensure_future(sync_to_async(time.sleep)(seconds))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        try:
            response = await middleware(RequestFactory().get("/request-config/", HTTP_HOST=host))
            return response, time.monotonic() - started
        except Http404 as exc:
            return exc, time.monotonic() - started
        finally:
            await busy

    return in_own_loop(scenario)


@pytest.fixture
def shop(tenant_factory: Any, own_cache: Any, registry_config: Any) -> Tenant:
    registry_config(UNKNOWN_TENANT="404")
    tenant = tenant_factory("tn_shop", {"v": 1})
    Domain.objects.create(domain="shop.localhost", tenant=tenant)
    wait_live()
    return tenant


def test_an_in_memory_answer_needs_no_thread(shop, rf):
    TenantMiddleware(lambda request: JsonResponse({}))(rf.get("/", HTTP_HOST="shop.localhost"))  # now in L1
    response, seconds = served_while_the_sync_thread_sleeps("shop.localhost")
    assert response.status_code == 200
    meta = {"source": "database", "tenant_id": "tn_shop", "status": "active"}
    assert json.loads(response.content) == {"tenant": "tn_shop", "config": {"v": 1, "_meta": meta}}
    assert seconds < 0.5


def test_a_miss_goes_to_the_sync_thread(shop):
    response, seconds = served_while_the_sync_thread_sleeps("shop.localhost")
    assert response.status_code == 200
    assert seconds > 0.5


def test_an_unknown_host_in_memory_is_refused_on_the_loop(shop, rf):
    with pytest.raises(Http404):
        TenantMiddleware(lambda request: JsonResponse({}))(rf.get("/", HTTP_HOST="nobody.localhost"))
    refused, seconds = served_while_the_sync_thread_sleeps("nobody.localhost")
    assert isinstance(refused, Http404)
    assert seconds < 0.5
