"""Save latency: a save returns once every in-process tier its invalidation reached has dropped
the entry (or its lease ran out). Measured with 4 subscriber processes beside the same save with
none (nothing to wait for): the floor is taken before and after, and both halves are kept."""

from __future__ import annotations

import multiprocessing
import os
import time
from typing import Any

from django.conf import settings
from django.test import override_settings

from .timing import Case, interleaved

SUBSCRIBERS = 4


def _subscriber(ready: Any, stop: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from tenant_registry import cache

    deadline = time.monotonic() + 30
    while not ((tier := cache.local_tier()) is not None and tier.trusted) and time.monotonic() < deadline:
        time.sleep(0.01)
    ready.put(os.getpid())
    stop.wait()


def latency(tenant_id: str, samples: int) -> tuple[Case, Case]:
    """(a save with SUBSCRIBERS subscriber processes, the same save with none)."""
    from tenant_registry.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)

    def save() -> None:
        tenant.save()

    floor = Case("Tenant.save(), no subscriber", save)
    ours = Case(f"Tenant.save(), {SUBSCRIBERS} subscriber processes", save)
    with override_settings(TENANT_REGISTRY={**settings.TENANT_REGISTRY, "L1_ENABLED": False}):
        interleaved([floor], samples // 2, warmup=20)
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    children = [context.Process(target=_subscriber, args=(ready, stop), daemon=True) for _ in range(SUBSCRIBERS)]
    for child in children:
        child.start()
    for _ in children:
        ready.get(timeout=60)
    try:
        interleaved([ours], samples, warmup=20)
    finally:
        stop.set()
        for child in children:
            child.join(10)
    with override_settings(TENANT_REGISTRY={**settings.TENANT_REGISTRY, "L1_ENABLED": False}):
        interleaved([floor], samples // 2, warmup=0)
    return ours, floor
