"""invalidate_all: SCAN + pipelined UNLINK of our keys only, and every process's L1 emptied."""

from __future__ import annotations

from typing import Any

import pytest

from tenant_registry import cache
from tenant_registry.models import Tenant

from .l1_helpers import wait_live

pytestmark = pytest.mark.django_db(transaction=True)


def test_invalidate_all_removes_every_entry_of_ours_and_nothing_else(raw_redis: Any, key_prefix: str) -> None:
    Tenant.objects.save_config("tn_all", {"client": {"name": "all"}})
    local = wait_live()
    Tenant.objects.get_config("tn_all")
    assert "tn_all" in local
    store = cache.get_store()
    assert store is not None
    pipe = raw_redis.pipeline(transaction=False)
    for index in range(5_000):
        pipe.set(store.entry_key(f"zz{index:05d}"), b"x")  # type: ignore[attr-defined]
    foreign = [f"{key_prefix}foreign:{index}" for index in range(100)] + [f"other-app:{key_prefix}c:x"]
    for key in foreign:
        pipe.set(key, b"y")
    pipe.execute()
    assert Tenant.objects.invalidate_all() == 5_001
    assert "tn_all" not in local
    assert not cache.contains("tn_all")
    assert raw_redis.exists(*foreign) == len(foreign)
    assert Tenant.objects.cache_info()["cached_tenants"] == 0
    raw_redis.unlink(*foreign)
