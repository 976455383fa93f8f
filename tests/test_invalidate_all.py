"""invalidate_all: SCAN + pipelined UNLINK of our keys only, and every process's L1 emptied."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tenant_registry import cache
from tenant_registry.cache.local.channel import decode as channel_message
from tenant_registry.models import Tenant

from .helpers import wait_live

pytestmark = pytest.mark.django_db(transaction=True)


def test_invalidate_all_removes_every_entry_of_ours_and_nothing_else(raw_redis: Any, key_prefix: str) -> None:
    Tenant.objects.save_config("tn_all", {"client": {"name": "all"}})
    local = wait_live()
    Tenant.objects.get_config("tn_all")
    assert "tn_all" in local
    store = cache.store()
    assert store is not None
    pipe = raw_redis.pipeline(transaction=False)
    for index in range(5_000):
        pipe.set(store.keys.entry(f"zz{index:05d}"), b"x")
    foreign = [f"{key_prefix}foreign:{index}" for index in range(100)] + [f"other-app:{key_prefix}c:x"]
    foreign += [f"{key_prefix}c:{{1}}Not-An-Id", f"{key_prefix}c:{{1"]  # not an id; no closing brace
    for key in foreign:
        pipe.set(key, b"y")
    pipe.set(f"{key_prefix}c:tn_before", b"z")  # the key layout of earlier versions
    pipe.execute()
    assert Tenant.objects.invalidate_all() == 5_002
    assert not raw_redis.exists(f"{key_prefix}c:tn_before")
    assert "tn_all" not in local
    assert not cache.contains("tn_all")
    assert raw_redis.exists(*foreign) == len(foreign)
    assert Tenant.objects.cache_info()["cached_tenants"] == 0
    raw_redis.unlink(*foreign)


@pytest.mark.fault
def test_a_replayed_invalidation_is_published_too(redis_server: Any, use_cache: Any) -> None:
    use_cache(redis_server.url)
    store = cache.store()
    assert store is not None
    channel = store.keys.channel
    redis_server.kill()
    Tenant.objects.invalidate("tn_owed")
    assert cache.pending() == ({"tn_owed"}, False)
    redis_server.start()
    listener = redis_server.client().pubsub()
    listener.subscribe(channel)
    assert listener.get_message(timeout=1)["type"] == "subscribe"
    message = None
    deadline = time.monotonic() + 5
    while message is None and time.monotonic() < deadline:
        cache.contains("tn_owed")  # any call replays what is owed once the breaker lets it through
        message = listener.get_message(timeout=0.1)
    assert message is not None
    assert list(channel_message(message["data"]).tokens or {}) == ["tn_owed"]  # with the tenant's new token
    listener.close()  # a listener that never acknowledges: the replay waits out the lease
    deadline = time.monotonic() + 1
    while cache.pending() != (set(), False) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.pending() == (set(), False)
