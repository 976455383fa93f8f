"""aget_config answers an in-process (L1) hit on the event loop: only a database read hops to a thread."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from tenant_registry.models import Tenant

from .l1_helpers import wait_live

pytestmark = pytest.mark.django_db(transaction=True)


async def while_the_sync_thread_sleeps(tenant_id: str, seconds: float = 1.0) -> tuple[object, float]:
    """aget_config while Django's one sync thread is busy: an answer needing that thread waits ``seconds``."""
    busy = asyncio.ensure_future(sync_to_async(time.sleep)(seconds))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    try:
        config = await Tenant.objects.aget_config(tenant_id)
        return config, time.monotonic() - started
    finally:
        await busy


def test_an_l1_hit_needs_no_thread(tenant_factory):
    tenant_factory("tn_fast", {"v": 1})
    wait_live()
    assert Tenant.objects.get_config("tn_fast")["v"] == 1  # now in this process's L1
    config, seconds = asyncio.run(while_the_sync_thread_sleeps("tn_fast"))
    assert config["v"] == 1
    assert config["_meta"]["tenant_id"] == "tn_fast"
    assert seconds < 0.5


def test_a_miss_reads_the_database_in_the_sync_thread(tenant_factory):
    tenant_factory("tn_cold", {"v": 1})
    wait_live()
    config, seconds = asyncio.run(while_the_sync_thread_sleeps("tn_cold"))
    assert config["v"] == 1
    assert seconds > 0.5


def test_a_save_is_seen_by_the_next_async_read(tenant_factory):
    tenant_factory("tn_async_save", {"v": 1})
    wait_live()
    assert asyncio.run(Tenant.objects.aget_config("tn_async_save"))["v"] == 1
    assert asyncio.run(Tenant.objects.aget_config("tn_async_save"))["v"] == 1
    Tenant.objects.save_config("tn_async_save", {"v": 2})
    assert asyncio.run(Tenant.objects.aget_config("tn_async_save"))["v"] == 2


def test_an_unknown_tenant_held_in_the_l1_is_none_without_a_thread(db):
    wait_live()
    assert Tenant.objects.get_config("tn_nobody_async") is None
    config, seconds = asyncio.run(while_the_sync_thread_sleeps("tn_nobody_async"))
    assert config is None
    assert seconds < 0.5
