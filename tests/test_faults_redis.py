"""Redis faults, produced for real: our own redis-server killed, paused, made read-only or hung, or
a closed port. Reads and writes go on; nothing owed is lost; one WARNING per outage, one INFO after."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

import pytest
import redis
from django.db import connection

from tenant_registry import cache
from tenant_registry.models import Tenant
from tenant_registry.reading import stored_entry as entry

from .helpers import (
    REPO as REPO_DIR,
)
from .helpers import (
    SLACK,
    in_thread,
    peer_env,
    run_elsewhere,
    staleness_bound,
    start_peer,
    store,
    wait_down,
    wait_live,
    wait_until,
)
from .ports import free_port
from .services import HungServer, RedisServer, running_redis

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]


def unavailable_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "is unavailable" in r.getMessage()
    ]


def slow_client(server: RedisServer) -> redis.Redis:
    return redis.Redis(port=server.port, socket_timeout=10, socket_connect_timeout=2)


# 2) no lost invalidation


def test_invalidation_sent_while_redis_is_paused_is_replayed(redis_server, use_cache, tenant_factory):
    use_cache(redis_server.url)
    tenant_factory("tn_paused", {"v": 1})
    assert Tenant.objects.get_config("tn_paused")["v"] == 1
    key = store().keys.entry("tn_paused")
    assert redis_server.client().exists(key)

    redis_server.pause(1.0)
    Tenant.objects.save_config("tn_paused", {"v": 2})
    assert cache.pending() == ({"tn_paused"}, False)

    client = slow_client(redis_server)
    assert wait_until(lambda: not cache.pending()[0], 1.0 + staleness_bound() + SLACK) is not None
    assert not client.exists(key)
    assert Tenant.objects.get_config("tn_paused")["v"] == 2


def test_invalidation_lost_to_a_killed_redis_is_replayed_when_its_data_comes_back(
    use_cache, tenant_factory, registry_config
):
    """A restart from persistence (or a failover to a replica) brings the old entry back;
    the invalidation this process still owes removes it without any further write or read."""
    registry_config(CACHE_COOLDOWN=2.0)
    with running_redis(appendonly=True) as server:
        use_cache(server.url)
        tenant_factory("tn_aof", {"v": 1})
        Tenant.objects.get_config("tn_aof")
        assert cache.contains("tn_aof")  # the fill has landed (and so reached the append-only file)
        key = store().keys.entry("tn_aof")
        gen_key = store().keys.token("tn_aof")
        old_gen = server.client().get(gen_key)

        server.kill()
        Tenant.objects.save_config("tn_aof", {"v": 2})
        assert cache.pending() == ({"tn_aof"}, False)
        server.restart()
        client = slow_client(server)
        assert client.exists(key), "the restarted server should hold the stale entry"

        took = wait_until(lambda: not client.exists(key), staleness_bound() + SLACK)
        assert took is not None, "the stale entry outlived the documented bound"
        assert client.get(gen_key) != old_gen
        assert wait_until(lambda: cache.pending() == (set(), False), 1.0) is not None  # once the replay returned
        assert Tenant.objects.get_config("tn_aof")["v"] == 2


def test_invalidation_refused_with_readonly_is_replayed_when_writes_return(use_cache, tenant_factory, caplog):
    """A failover turns the server into a replica: writes fail with READONLY, reads still work."""
    with running_redis() as server, running_redis() as primary:
        use_cache(server.url)
        tenant_factory("tn_ro", {"v": 1})
        Tenant.objects.get_config("tn_ro")
        cache.contains("tn_ro")  # this process's fill (and lock release) has landed
        key = store().keys.entry("tn_ro")
        client = slow_client(server)
        for name in client.scan_iter(match="*"):
            primary.client().restore(name, 0, bytes(client.dump(name) or b""), replace=True)
        client.replicaof("127.0.0.1", primary.port)
        assert wait_until(lambda: client.info("replication").get("master_link_status") == "up", 10)
        assert client.exists(key)
        with pytest.raises(redis.exceptions.ReadOnlyError):
            client.set("probe", "1")

        Tenant.objects.save_config("tn_ro", {"v": 2})
        assert cache.pending() == ({"tn_ro"}, False)
        # whichever part noticed first (the read path or the channel's acknowledgement) says why
        assert any("ReadOnlyError" in m or "read only replica" in m for m in unavailable_warnings(caplog))
        assert Tenant.objects.get_config("tn_ro")["v"] == 2  # the breaker is open: read past the cache

        client.replicaof("NO", "ONE")
        took = wait_until(lambda: not client.exists(key), staleness_bound() + SLACK)
        assert took is not None, "the stale entry outlived the documented bound"
        assert Tenant.objects.get_config("tn_ro")["v"] == 2


def test_invalidate_all_while_redis_is_down_is_replayed_when_its_data_comes_back(use_cache, tenant_factory):
    with running_redis(appendonly=True) as server:
        use_cache(server.url)
        for name in ("tn_a", "tn_b"):
            tenant_factory(name, {"v": 1})
            Tenant.objects.get_config(name)
        client = slow_client(server)
        client.set("foreign:key", "kept")
        entries = (store().keys.entry("tn_a"), store().keys.entry("tn_b"))
        assert wait_until(lambda: client.exists(*entries) == 2, 2.0) is not None  # both fills landed
        server.kill()
        assert Tenant.objects.invalidate_all() == 0
        assert cache.pending() == (set(), True)
        server.restart()
        assert client.exists(store().keys.entry("tn_a"), store().keys.entry("tn_b")) == 2

        took = wait_until(
            lambda: client.exists(store().keys.entry("tn_a"), store().keys.entry("tn_b")) == 0,
            staleness_bound() + SLACK,
        )
        assert took is not None, "the stale entries outlived the documented bound"
        assert client.get("foreign:key") == b"kept"
        assert wait_until(lambda: cache.pending() == (set(), False), 1.0) is not None


EXIT_CODE = """
Tenant.objects.save_config("tn_exit", {"v": 2})
print("pending", sorted(cache.pending()[0]), flush=True)
sys.stdin.readline()
"""


def test_a_process_that_exits_owing_an_invalidation_sends_it_on_the_way_out(
    use_cache, tenant_factory, key_prefix, config_dir
):
    """A management command that saved while Redis was down must not take the invalidation with it."""
    with running_redis(appendonly=True) as server:
        use_cache(server.url)
        tenant_factory("tn_exit", {"v": 1})
        Tenant.objects.get_config("tn_exit")
        assert cache.contains("tn_exit")  # the fill is not waited for; this thread sees it
        key = store().keys.entry("tn_exit")
        server.kill()
        env = peer_env(server.url, key_prefix, config_dir, TR_PEER_CODE=EXIT_CODE, TR_PEER_COOLDOWN="60")
        child = start_peer("run", env)  # a cool-down of 60 s: no retry timer before exit
        assert child.stdout.readline().strip() == "pending ['tn_exit']"
        server.restart()
        assert slow_client(server).exists(key)
        _out, err = child.communicate("\n", timeout=30)
        assert child.returncode == 0, err
        assert not slow_client(server).exists(key)


def test_owed_invalidation_that_cannot_be_sent_at_exit_is_logged(use_cache, tenant_factory, key_prefix, config_dir):
    with running_redis() as server:
        use_cache(server.url)
        tenant_factory("tn_exit", {"v": 1})
        server.kill()
        env = peer_env(server.url, key_prefix, config_dir, TR_PEER_COOLDOWN="60")
        done = run_elsewhere(EXIT_CODE, env, stdin="\n")
        assert "could not send the invalidation of tn_exit" in done.stderr


def test_import_command_that_cannot_send_its_invalidation_at_exit_says_so(use_cache, registry_config, tmp_path):
    """The real command, in its own process, with the default namespace on a Redis of our own."""
    registry_config(KEY_PREFIX="tenant_config:")
    with running_redis() as server:
        use_cache(server.url)
        server.kill()
        path = tmp_path / "tn_exit.yaml"
        path.write_text("client:\n  name: Exit\n")
        env = peer_env(server.url, "tenant_config:", tmp_path)
        done = subprocess.run(
            [sys.executable, "manage.py", "import_tenants", str(path)],
            cwd=REPO_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "tn_exit: created\nImported: 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed.\n"
        assert "could not send the invalidation of tn_exit before exit" in done.stderr
        assert "stale for up to CACHE_TTL (300s)" in done.stderr
        assert Tenant.objects.get_config("tn_exit")["client"]["name"] == "Exit"


# 3) bounded latency


def timed_reads(tenant_id: str, count: int, slow_after: float) -> int:
    slow = 0
    for _ in range(count):
        start = time.monotonic()
        assert Tenant.objects.get_config(tenant_id)["v"] == 1
        slow += time.monotonic() - start >= slow_after
    return slow


def test_hung_redis_costs_one_timeout_per_cooldown_and_is_used_again_when_it_answers(
    use_cache, tenant_factory, registry_config, caplog
):
    caplog.set_level(logging.INFO, logger="tenant_registry")
    tenant_factory("tn_hung", {"v": 1})
    # L1 off: its subscriber thread reconnects on its own, off the request path, and would add connections
    registry_config(SOCKET_TIMEOUT=0.4, SOCKET_CONNECT_TIMEOUT=0.4, CACHE_COOLDOWN=1.0, L1_ENABLED=False)
    hung = HungServer()
    try:
        use_cache(hung.url)
        assert timed_reads("tn_hung", 40, slow_after=0.4) == 1
        assert wait_until(lambda: len(hung.accepted) == 1, 1) is not None
        time.sleep(1.1)
        assert timed_reads("tn_hung", 40, slow_after=0.4) == 1
        time.sleep(0.2)
        assert len(hung.accepted) == 2
        assert len(unavailable_warnings(caplog)) == 1
    finally:
        hung.close()

    server = RedisServer(port=hung.port).start()
    try:
        time.sleep(1.1)
        assert Tenant.objects.get_config("tn_hung")["v"] == 1  # the probe: fills the entry
        assert server.client().exists(store().keys.entry("tn_hung"))
        assert any("reachable again" in r.getMessage() for r in caplog.records)
        assert len(unavailable_warnings(caplog)) == 1
    finally:
        server.kill()


def test_concurrent_callers_each_wait_at_most_one_timeout_when_redis_hangs(use_cache, tenant_factory, registry_config):
    """Calls already in flight when Redis hangs each time out once; after that none waits until the cool-down ends."""
    tenant_factory("tn_hung", {"v": 1})
    registry_config(SOCKET_TIMEOUT=0.4, SOCKET_CONNECT_TIMEOUT=0.4, CACHE_COOLDOWN=5.0, L1_ENABLED=False)
    hung = HungServer()
    try:
        use_cache(hung.url)
        start = threading.Barrier(8)

        def reads():
            start.wait()
            return timed_reads("tn_hung", 25, slow_after=0.4)

        threads = [in_thread(reads) for _ in range(8)]
        slow = [join() for join in threads]
        assert max(slow) == 1
        assert sum(slow) == len(hung.accepted) <= 8
    finally:
        hung.close()


def test_killed_redis_is_skipped_then_used_again_after_a_restart(
    redis_server, use_cache, tenant_factory, caplog, django_assert_num_queries
):
    use_cache(redis_server.url)
    tenant_factory("tn_down", {"v": 1})
    Tenant.objects.get_config("tn_down")
    redis_server.kill()
    local = cache.local_tier()
    if local is not None:
        wait_down(local)  # the in-process tier may answer for up to its staleness bound; not what this is about
    for _ in range(20):
        assert Tenant.objects.get_config("tn_down")["v"] == 1
    assert not Tenant.objects.cache_info()["available"]
    redis_server.start()
    time.sleep(1.1)
    Tenant.objects.get_config("tn_down")
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_down")["v"] == 1
    assert len(unavailable_warnings(caplog)) == 1


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
    assert len(unavailable_warnings(caplog)) == 1
    info = Tenant.objects.cache_info()
    assert "Connection" in info.pop("reason")  # refused or reset, by timing
    assert info == {"backend": "redis", "available": False, "ttl_seconds": 300, "cached_tenants": None}


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


# 5) corrupt or foreign entries


def foreign_entry() -> bytes:
    return entry.encode("tn_other", "database", "active", {"v": "someone else's"})


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"\xff\xfe\x00garbage", id="garbage-bytes"),
        pytest.param(b"42", id="number"),
        pytest.param(b"[1, 2]", id="list"),
        pytest.param(b'"text"', id="string"),
        pytest.param(b"\x80\x04\x95pickle", id="pickle-bytes"),
        pytest.param(foreign_entry(), id="another-tenant"),
        pytest.param(b'{"t": "tn_bad", "c": {"v": 1}, "x": []}', id="no-source"),
        pytest.param(
            b'{"t": "tn_bad", "src": "database", "st": "active", "c": {"v": 1}, "x": [["nope"]]}', id="bad-path"
        ),
        pytest.param(
            b'{"t": "tn_bad", "src": "database", "st": "active", "c": {"v": 1}, "x": [7]}', id="path-not-list"
        ),
        pytest.param(
            b'{"t": "tn_bad", "src": "database", "st": "active", "c": {"v": 1}, "x": [["v"]]}', id="path-to-int"
        ),
        pytest.param(b'{"t": "tn_bad", "src": "evil", "st": "active", "c": {"v": 1}, "x": []}', id="unknown-source"),
    ],
)
def test_corrupt_or_foreign_entry_is_a_logged_miss_and_is_overwritten(
    redis_server, use_cache, tenant_factory, caplog, raw
):
    use_cache(redis_server.url)
    local = wait_live()
    tenant_factory("tn_bad", {"v": 1})
    Tenant.objects.get_config("tn_bad")  # takes the hint the save left: the next read goes through Redis
    local.discard(["tn_bad"])
    key = store().keys.entry("tn_bad")
    redis_server.client().set(key, raw)

    config = Tenant.objects.get_config("tn_bad")

    assert config["v"] == 1
    assert config["_meta"] == {"source": "database", "tenant_id": "tn_bad", "status": "active"}
    assert any("tn_bad" in m and "corrupt or foreign" in m for m in (r.getMessage() for r in caplog.records))
    stored = redis_server.client().get(key)
    assert stored != raw
    assert entry.decode("tn_bad", stored).config == {"v": 1}
