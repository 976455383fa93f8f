"""TenantMiddleware: the tenant of a request from the resolvers, then the policy for an unknown or
inactive one. Sync and async capable; under ASGI an answer this process holds in memory is found on
the event loop, and anything else in one hop to Django's sync thread."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.apps import apps
from django.http import HttpRequest, HttpResponseBase

from ..exceptions import InvalidTenantId, RegistryUnavailable
from ..hosts import NeedsIO
from ..ids import ID_RE
from . import tenant_state
from .options import Options, options
from .policy import arefuse, refuse, unavailable

logger = logging.getLogger("tenant_registry")
Outcome = tuple[str | None, tenant_state.Found | None, str]  # (tenant id, what was found, why refused)


class TenantMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        opts = options()
        try:
            outcome = resolve(request, opts, local=False)
        except RegistryUnavailable as exc:
            return unavailable(str(exc))
        if outcome is not None and not _attached(request, outcome):
            answer = refuse(request, opts, outcome[2])
            if answer is not None:
                return answer
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> Any:
        opts = options()
        try:
            try:
                outcome = resolve(request, opts, local=True)
            except NeedsIO:
                outcome = await sync_to_async(resolve)(request, opts, local=False)
        except RegistryUnavailable as exc:
            return unavailable(str(exc))
        if outcome is not None and not _attached(request, outcome):
            answer = await arefuse(request, opts, outcome[2])
            if answer is not None:
                return answer
        response: Awaitable[HttpResponseBase] = self.get_response(request)
        return await response


def _attached(request: HttpRequest, outcome: Outcome) -> bool:
    """Attach an active tenant; False when the policy decides instead."""
    tenant_id, found, _ = outcome
    if found is None or found.status != tenant_state.ACTIVE:
        return False
    tenant_state.attach(request, tenant_id, found)
    return True


def resolve(request: HttpRequest, opts: Options, *, local: bool) -> Outcome | None:
    """The tenant and its state (None: an exempt path, already handled); with ``local``, from memory
    only (NeedsIO otherwise)."""
    if opts.exempt and request.path_info.startswith(opts.exempt):
        tenant_state.attach(request, None, None)
        return None
    tenant_id = None
    for resolver in opts.resolvers:
        found = _local_of(resolver)(request) if local else resolver(request)
        if found is not None:
            tenant_id = found
            break
    if tenant_id is None:
        return None, None, "no tenant for this request"
    if not isinstance(tenant_id, str) or not ID_RE.fullmatch(tenant_id):
        return None, None, str(InvalidTenantId(f"invalid tenant id {tenant_id!r}"))
    state = tenant_state.local(tenant_id) if local else tenant_state.find(tenant_id, _tenant_model())
    if state.status != tenant_state.ACTIVE:
        why = f"tenant {tenant_id} is {state.status}" if state.status else f"no tenant {tenant_id}"
        return tenant_id, state, why
    return tenant_id, state, ""


_models: list[Any] = []


def _tenant_model() -> Any:
    if not _models:
        _models.append(apps.get_model("tenant_registry", "Tenant"))
    return _models[0]


def _local_of(resolver: Callable[[HttpRequest], str | None]) -> Callable[[HttpRequest], str | None]:
    found: Callable[[HttpRequest], str | None] | None = getattr(resolver, "local", None)
    if found is None:
        raise NeedsIO(f"resolver {resolver!r} has no local form")
    return found
