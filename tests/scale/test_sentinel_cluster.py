"""Sentinel (one primary, one replica, three sentinels) and Redis Cluster (3 primaries + 3 replicas)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from redis.sentinel import MasterNotFoundError
from redis.sentinel import Sentinel as RedisSentinel

from tenant_registry.models import Tenant

from .cluster_topology import Cluster
from .procs import wait_until
from .redis_topology import SERVICE, Sentinel, client, wait_replicated
from .test_password_tls import assert_registry_uses, cached_on

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]
BOUND = 1.6  # the README's staleness bound with the tests' 1 s cool-down


def use_sentinel(settings: Any, topology: Sentinel) -> None:
    """The django-redis Sentinel settings block, as the README documents it."""
    settings.DJANGO_REDIS_CONNECTION_FACTORY = "django_redis.pool.SentinelConnectionFactory"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://{SERVICE}/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.SentinelClient",
                "SENTINELS": [("127.0.0.1", port) for port in topology.sentinels],
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }


def eventually(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_django_cache_follows_a_sentinel_failover(settings: Any, sentinel: Sentinel) -> None:
    use_sentinel(settings, sentinel)
    cache = caches["default"]
    cache.set("before", 1, 60)
    wait_replicated(sentinel.primary)  # SentinelClient reads from the replica; and it must survive the primary
    assert cache.get("before") == 1
    old = sentinel.primary
    new = sentinel.kill_primary()
    assert new != old
    eventually(lambda: cache.set("after", 2, 60), 10)
    assert cache.get("after") == 2
    assert cache.get("before") == 1
    assert client(new).exists(cache.make_key("after")) == 1


def test_the_registry_caches_through_sentinel(
    settings: Any, sentinel: Sentinel, key_prefix: str, tenant_factory: Any, django_assert_num_queries: Any
) -> None:
    use_sentinel(settings, sentinel)
    assert_registry_uses(client(sentinel.primary), key_prefix, tenant_factory, django_assert_num_queries)


def test_reads_keep_answering_through_a_failover_and_use_the_new_primary(
    settings: Any, sentinel: Sentinel, key_prefix: str, tenant_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    use_sentinel(settings, sentinel)
    tenant_factory("tn_failover", {"client": {"name": "failover"}})
    errors: list[BaseException] = []
    reads = [0]
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                try:
                    assert Tenant.objects.get_config("tn_failover")["client"] == {"name": "failover"}
                    reads[0] += 1
                except BaseException as exc:
                    errors.append(exc)
                time.sleep(0.005)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        new = sentinel.kill_primary()
        promoted = time.monotonic()
        time.sleep(BOUND)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert reads[0] > 0
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged == [], "a failover is an outage, not a misconfiguration"
    Tenant.objects.invalidate("tn_failover")
    Tenant.objects.get_config("tn_failover")
    assert cached_on(client(new), key_prefix), f"nothing cached on the new primary {new}"
    assert time.monotonic() - promoted < BOUND + 5


def test_a_cluster_serves_every_slot_and_survives_a_primary_kill(cluster: Cluster) -> None:
    redis_cluster = cluster.client()
    keys = {f"scale:{n}": str(n).encode() for n in range(200)}  # spread over the three primaries' slots
    for key, value in keys.items():
        redis_cluster.set(key, value)
    for port, (role, _) in cluster.roles().items():
        if role == "master":
            wait_replicated(port)
    victim, heir = cluster.kill_primary()
    survivor = cluster.client()
    assert {key: survivor.get(key) for key in keys} == keys
    survivor.set("scale:after", b"1")
    assert survivor.get("scale:after") == b"1"
    assert client(heir).execute_command("ROLE")[0] == b"master"
    assert cluster.roles()[victim][0] == "master"  # still listed as the failed primary, its slots now the heir's


@pytest.mark.django_db(transaction=True)
def test_a_primary_the_sentinels_mark_down_is_an_outage_not_a_misconfiguration(
    settings: Any, sentinel: Sentinel, tenant_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    use_sentinel(settings, sentinel)
    tenant_factory("tn_down", {"client": {"name": "down"}})
    old = sentinel.stop_primary()
    manager = RedisSentinel([("127.0.0.1", port) for port in sentinel.sentinels], socket_timeout=1)
    wait_until(lambda: no_primary(manager), 30, None, "the sentinels marking the primary down")
    with caplog.at_level(logging.WARNING, logger="tenant_registry"):
        assert Tenant.objects.get_config("tn_down")["client"] == {"name": "down"}
    assert [r.levelname for r in caplog.records if r.name == "tenant_registry"] == ["WARNING"]
    assert "Sentinel names no primary" not in (Tenant.objects.cache_info()["reason"] or "")
    sentinel.await_promotion(old)


def no_primary(manager: RedisSentinel) -> bool:
    try:
        manager.discover_master(SERVICE)
    except MasterNotFoundError:
        return True
    return False
