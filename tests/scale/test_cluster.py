"""The registry on a Redis Cluster of 3 primaries and 3 replicas, configured as the README shows."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.db import connection

from tenant_registry import cache
from tenant_registry.models import Tenant

from ..helpers import store
from .cluster_topology import Cluster
from .redis_topology import client, wait_replicated
from .registry_worker import Worker

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]
BOUND = 1.6  # the README's bound for using the cache again after a failover, with the tests' 1 s cool-down
TENANTS = [f"tn_cl{n:02d}" for n in range(48)]


def entries_per_primary(cluster: Cluster, key_prefix: str) -> dict[int, int]:
    primaries = [port for port, (role, _) in cluster.roles().items() if role == "master" and port not in cluster.killed]
    return {port: len(list(client(port).scan_iter(match=f"{key_prefix}c:*"))) for port in primaries}


def test_django_cache_calls_work_across_slots(on_cluster: Cluster) -> None:
    cache: Any = caches["default"]  # django-redis's cache, with keys() and delete_pattern()
    values = {f"k{n}": n for n in range(50)}
    cache.set_many(values, 60)
    assert cache.get_many(list(values)) == values
    assert cache.get("k7") == 7
    assert sorted(cache.keys("k*")) == sorted(values)
    assert cache.delete_many(["k1", "k2"]) == 2
    assert cache.delete_pattern("k3*") == 11
    cache.clear()
    assert cache.get_many(list(values)) == {}


def test_tenants_spread_over_every_primary_and_invalidate_all_reaches_each(
    on_cluster: Cluster, key_prefix: str, tenant_factory: Any, django_assert_num_queries: Any
) -> None:
    for tenant_id in TENANTS:
        tenant_factory(tenant_id, {"client": {"name": tenant_id}})
        assert Tenant.objects.get_config(tenant_id)["client"]["name"] == tenant_id
    cache.settle()
    with django_assert_num_queries(0):
        for tenant_id in TENANTS:
            assert Tenant.objects.get_config(tenant_id)["client"]["name"] == tenant_id
    counts = entries_per_primary(on_cluster, key_prefix)
    assert sum(counts.values()) == len(TENANTS)
    assert all(counts.values()), f"a primary holds none of the tenants: {counts}"
    assert Tenant.objects.invalidate_all() == len(TENANTS)
    assert set(entries_per_primary(on_cluster, key_prefix).values()) == {0}
    with django_assert_num_queries(len(TENANTS)):
        for tenant_id in TENANTS:
            Tenant.objects.get_config(tenant_id)
    assert Tenant.objects.cache_info()["available"] is True


def test_a_save_is_seen_by_every_process_once_it_returned(
    cluster_workers: tuple[Worker, Worker], on_cluster: Cluster, tenant_factory: Any
) -> None:
    tenant_factory("tn_cl_save", {"client": {"name": "old"}})
    for worker in cluster_workers:
        for _ in range(3):  # the second and third read come from its in-process tier
            assert worker("get", "tn_cl_save")["client"] == {"name": "old"}
    assert_served_from_their_tiers(cluster_workers, "tn_cl_save", on_cluster)
    for version in range(1, 6):
        Tenant.objects.save_config("tn_cl_save", {"client": {"name": f"v{version}"}})
        for worker in cluster_workers:
            assert worker("get", "tn_cl_save")["client"] == {"name": f"v{version}"}


def test_reads_answer_through_a_primary_kill_and_saves_reach_every_process_after(
    cluster_workers: tuple[Worker, Worker], on_cluster: Cluster, key_prefix: str, tenant_factory: Any
) -> None:
    for tenant_id in TENANTS:
        tenant_factory(tenant_id, {"client": {"name": tenant_id}})
    for port, (role, _) in on_cluster.roles().items():
        if role == "master":
            wait_replicated(port)
    errors: list[str] = []
    stop = threading.Event()
    reader = threading.Thread(target=read_all_until, args=(stop, errors))
    reader.start()
    try:
        time.sleep(0.3)
        _victim, heir = on_cluster.kill_primary(channel_primary(on_cluster, key_prefix))
        promoted = time.monotonic()
        for worker in cluster_workers:  # the workers answer through the failover too
            for tenant_id in TENANTS[:8]:
                assert worker("get", tenant_id)["client"]["name"] == tenant_id
        time.sleep(BOUND)
    finally:
        stop.set()
        reader.join()
    assert errors[:5] == [], f"{len(errors)} failed reads"
    assert_served_from_their_tiers(cluster_workers, TENANTS[0], on_cluster)  # the channel is back, on the heir
    for n, tenant_id in enumerate(TENANTS):
        Tenant.objects.save_config(tenant_id, {"client": {"name": f"after {n}"}})
        for worker in cluster_workers:
            assert worker("get", tenant_id)["client"]["name"] == f"after {n}"
    assert Tenant.objects.cache_info()["available"] is True
    assert entries_per_primary(on_cluster, key_prefix)[heir] > 0, "the promoted replica holds no entry"
    assert time.monotonic() - promoted < BOUND + 30


def assert_served_from_their_tiers(workers: tuple[Worker, Worker], tenant_id: str, cluster: Cluster) -> None:
    """Each worker answers from its in-process tier, so its channel is live: with the row changed
    and the shared entry removed behind the registry's back, it still serves what it had."""
    had = Tenant.objects.get_config(tenant_id)
    for worker in workers:
        assert worker("wait_live", "", timeout=BOUND + 5)
        for _ in range(2):
            assert worker("get", tenant_id) == had
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Tenant._meta.db_table} SET config = %s WHERE id = %s", ['{"behind": 1}', tenant_id])
    cluster.client().unlink(store().keys.entry(tenant_id))
    for worker in workers:
        assert worker("get", tenant_id) == had
    Tenant.objects.invalidate(tenant_id)
    for worker in workers:
        assert worker("get", tenant_id)["behind"] == 1
    Tenant.objects.save_config(tenant_id, {key: value for key, value in had.items() if key != "_meta"})


def read_all_until(stop: threading.Event, errors: list[str]) -> None:
    try:
        while not stop.is_set():
            for tenant_id in TENANTS:
                try:
                    found = Tenant.objects.get_config(tenant_id)
                    if found is None or found["client"]["name"] != tenant_id:
                        exists = Tenant.objects.filter(pk=tenant_id).exists()
                        errors.append(f"{tenant_id}: got {found!r} (row exists: {exists})")
                except Exception as exc:
                    errors.append(f"{tenant_id}: {exc!r}")
    finally:
        connection.close()


def channel_primary(cluster: Cluster, key_prefix: str) -> int:
    """The primary whose slot holds the invalidation channel: killing it moves every subscriber."""
    slot = int(redis.Redis(port=next(iter(cluster.nodes))).cluster("KEYSLOT", f"{key_prefix}events"))
    for port, (role, _) in cluster.roles().items():
        if role == "master" and port not in cluster.killed:
            slots = client(port).cluster("SLOTS")
            if any(start <= slot <= end and int(first[1]) == port for start, end, first, *_ in slots):
                return port
    raise AssertionError(f"no primary serves slot {slot}")
