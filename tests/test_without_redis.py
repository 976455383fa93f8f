import logging
import threading
import time

import pytest
from django.db import connection

from tenant_registry import cache
from tenant_registry.models import Tenant
from tests.faults import in_thread
from tests.l1_helpers import wait_live
from tests.services import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def _outage_warnings(caplog):
    return [r for r in caplog.records if "unavailable" in r.getMessage() and r.name == "tenant_registry"]


def test_closed_port_reads_and_writes_keep_working(use_cache, tenant_factory, caplog):
    use_cache(f"redis://127.0.0.1:{free_port()}/0")
    tenant_factory("tn_down", {"v": 1})
    with caplog.at_level(logging.WARNING, logger="tenant_registry"):
        for _ in range(20):
            assert Tenant.objects.get_config("tn_down")["v"] == 1
        Tenant.objects.save_config("tn_down", {"v": 2})
        assert Tenant.objects.get_config("tn_down")["v"] == 2
        assert Tenant.objects.get_config("tn_a1b2c3")["_meta"]["source"] == "yaml"
        Tenant.objects.invalidate("tn_down")
        assert Tenant.objects.invalidate_all() == 0
    assert len(_outage_warnings(caplog)) == 1
    assert Tenant.objects.cache_info() == {
        "backend": "redis",
        "available": False,
        "ttl_seconds": 300,
        "cached_tenants": None,
    }


def test_hung_redis_costs_one_timeout_per_cooldown(use_cache, registry_config, hung_redis, tenant_factory):
    tenant_factory("tn_hung", {"v": 1})
    registry_config(SOCKET_TIMEOUT=0.2, SOCKET_CONNECT_TIMEOUT=0.2, CACHE_COOLDOWN=60)
    use_cache(hung_redis.url)
    slow = 0
    for _ in range(30):
        started = time.monotonic()
        assert Tenant.objects.get_config("tn_hung")["v"] == 1
        slow += time.monotonic() - started >= 0.15
    assert slow == 1


def test_cache_is_used_again_after_redis_returns(
    use_cache, registry_config, redis_server, tenant_factory, django_assert_num_queries, caplog
):
    registry_config(CACHE_COOLDOWN=0.3)
    use_cache(redis_server.url)
    tenant_factory("tn_back", {"v": 1})
    Tenant.objects.get_config("tn_back")
    redis_server.kill()
    with caplog.at_level(logging.INFO, logger="tenant_registry"):
        assert Tenant.objects.get_config("tn_back")["v"] == 1
        assert Tenant.objects.cache_info()["available"] is False
        redis_server.start()
        time.sleep(0.4)
        assert Tenant.objects.get_config("tn_back")["v"] == 1  # probe succeeds and refills
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_back")["v"] == 1
    assert Tenant.objects.cache_info()["available"] is True
    assert len(_outage_warnings(caplog)) == 1
    assert any("reachable again" in r.getMessage() for r in caplog.records)


@pytest.mark.fault
def test_one_outage_under_load_logs_one_warning_and_one_info_and_info_sees_the_cache_back(
    use_cache, registry_config, redis_server, tenant_factory, caplog
):
    """Readers keep reading while Redis is killed and restarted: the channel's reconnect attempts
    and the read path's failures make one WARNING, its return one INFO; once the in-process tier
    serves from Redis again, cache_info() says so without waiting for a read-path call."""
    registry_config(CACHE_COOLDOWN=5.0)
    use_cache(redis_server.url)
    tenant_factory("tn_load", {"v": 1})
    local = wait_live()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            assert Tenant.objects.get_config("tn_load")["v"] == 1
        connection.close()

    readers = [in_thread(read) for _ in range(3)]
    with caplog.at_level(logging.INFO, logger="tenant_registry"):
        time.sleep(0.2)
        redis_server.kill()
        time.sleep(1.5)  # several reconnect attempts of the channel
        redis_server.start()
        assert wait_live() is local
        assert Tenant.objects.cache_info()["available"] is True  # well within the 5 s cool-down
        time.sleep(0.2)
        stop.set()
        for join in readers:
            join()
    ours = [r for r in caplog.records if r.name == "tenant_registry"]
    assert [r.getMessage() for r in ours if r.levelno == logging.WARNING and "unavailable" in r.getMessage()] != []
    assert len([r for r in ours if r.levelno >= logging.WARNING]) == 1, [r.getMessage() for r in ours]
    assert len([r for r in ours if r.levelno == logging.INFO and "reachable again" in r.getMessage()]) == 1


def test_invalidation_lost_during_outage_is_replayed(
    use_cache, registry_config, redis_server, tenant_factory, key_prefix
):
    registry_config(CACHE_COOLDOWN=0.3)
    use_cache(redis_server.url)
    tenant_factory("tn_owed", {"v": 1})
    assert Tenant.objects.get_config("tn_owed")["v"] == 1
    redis_server.pause(1.0)  # writes hang past SOCKET_TIMEOUT; the entry stays in Redis
    Tenant.objects.save_config("tn_owed", {"v": 2})
    assert cache.pending() == ({"tn_owed"}, False)
    time.sleep(1.5)  # pause over, cool-down over: the retry timer replays the invalidation, no read needed
    assert cache.pending() == (set(), False)
    assert redis_server.client().exists(f"{key_prefix}c:tn_owed") == 0
    assert Tenant.objects.get_config("tn_owed")["v"] == 2
