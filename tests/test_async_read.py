"""aget_config answers an in-process (L1) hit on the event loop: only a database read hops to a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from tenant_registry.models import Tenant

from .helpers import wait_live

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")


def in_own_loop(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run ``scenario`` on an event loop of its own in another thread, as under ASGI."""
    results: list[T] = []

    async def run() -> None:
        try:
            results.append(await scenario())
        finally:
            await sync_to_async(connections.close_all)()

    runner = threading.Thread(target=lambda: asyncio.run(run()))
    runner.start()
    runner.join(30)
    assert results, "the scenario raised or did not finish"
    return results[0]


def while_the_sync_thread_sleeps(tenant_id: str, seconds: float = 1.0) -> tuple[Any, float]:
    """aget_config while Django's one sync thread is busy: an answer needing that thread waits ``seconds``."""

    async def scenario() -> tuple[Any, float]:
        busy = asyncio.ensure_future(sync_to_async(time.sleep)(seconds))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        try:
            config = await Tenant.objects.aget_config(tenant_id)
            return config, time.monotonic() - started
        finally:
            await busy

    return in_own_loop(scenario)


def test_an_l1_hit_needs_no_thread(tenant_factory):
    tenant_factory("tn_fast", {"v": 1})
    wait_live()
    assert Tenant.objects.get_config("tn_fast")["v"] == 1  # now in this process's L1
    config, seconds = while_the_sync_thread_sleeps("tn_fast")
    assert config["v"] == 1
    assert config["_meta"]["tenant_id"] == "tn_fast"
    assert seconds < 0.5


def test_a_miss_reads_the_database_in_the_sync_thread(tenant_factory):
    tenant_factory("tn_cold", {"v": 1})
    wait_live()
    config, seconds = while_the_sync_thread_sleeps("tn_cold")
    assert config["v"] == 1
    assert seconds > 0.5


def test_a_save_is_seen_by_the_next_async_read(tenant_factory):
    tenant_factory("tn_async_save", {"v": 1})
    wait_live()
    assert in_own_loop(lambda: Tenant.objects.aget_config("tn_async_save"))["v"] == 1
    assert in_own_loop(lambda: Tenant.objects.aget_config("tn_async_save"))["v"] == 1
    Tenant.objects.save_config("tn_async_save", {"v": 2})
    assert in_own_loop(lambda: Tenant.objects.aget_config("tn_async_save"))["v"] == 2


def test_an_unknown_tenant_held_in_the_l1_is_none_without_a_thread(db):
    wait_live()
    assert Tenant.objects.get_config("tn_nobody_async") is None
    config, seconds = while_the_sync_thread_sleeps("tn_nobody_async")
    assert config is None
    assert seconds < 0.5
