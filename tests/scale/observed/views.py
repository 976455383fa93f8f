from __future__ import annotations

import os
import time

from django.http import HttpRequest, JsonResponse

from tenant_registry.models import Tenant

from . import receivers


def _answer(body: dict[str, object]) -> JsonResponse:
    response = JsonResponse({**body, "pid": os.getpid(), "sleeping": receivers.SLEEPING.is_set()})
    response["X-Worker-Pid"] = str(os.getpid())
    return response


def save(request: HttpRequest, tenant_id: str, value: int) -> JsonResponse:
    tenant = Tenant.objects.save_config(tenant_id, {"client": {"v": value}, "email": {"from": "a@b.example"}})
    return _answer({"version": tenant.version, "returned": time.time()})


def read(request: HttpRequest, tenant_id: str) -> JsonResponse:
    config = Tenant.objects.get_config(tenant_id)
    return _answer({"v": None if config is None else config["client"]["v"]})


def heard(request: HttpRequest) -> JsonResponse:
    return _answer({"heard": receivers.HEARD})
