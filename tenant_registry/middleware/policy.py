"""What a request whose tenant is unknown or not active gets: one policy, ``UNKNOWN_TENANT``.
Never another tenant's config: ``request.tenant`` and ``request.tenant_config`` are None first."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase

from .options import Options
from .tenant_state import attach


def _policy_view(request: HttpRequest, opts: Options, why: str) -> Any:
    """The view the policy names, once the request is marked as having no tenant; None: pass through."""
    attach(request, None, None)
    if opts.policy == "pass":
        return None
    if opts.policy_view is None:
        raise Http404(why)
    return opts.policy_view


def refuse(request: HttpRequest, opts: Options, why: str) -> HttpResponseBase | None:
    """The policy's answer (None: pass through), for the sync chain."""
    view = _policy_view(request, opts, why)
    if view is None:
        return None
    response: HttpResponseBase = _run_async(view, request) if iscoroutinefunction(view) else view(request)
    return response


def _run_async(view: Any, request: HttpRequest) -> Any:
    """An async policy view from the sync chain; on a thread of its own when this one already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(view)(request)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, view(request)).result()


async def arefuse(request: HttpRequest, opts: Options, why: str) -> HttpResponseBase | None:
    """The same for the async chain."""
    view = _policy_view(request, opts, why)
    if view is None:
        return None
    response: HttpResponseBase = await (view(request) if iscoroutinefunction(view) else sync_to_async(view)(request))
    return response


def unavailable(why: str) -> HttpResponse:
    """The registry cannot tell (the database is down and nothing is cached): a 503, never a guess."""
    response = HttpResponse(f"Service unavailable: {why}\n", status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "5"
    return response
