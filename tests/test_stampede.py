"""Stampedes: one query for 32 readers of a cold key in a process, at most one per process across
processes (the Redis load lock), safe without Redis; negative entries dropped when the id is created."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import connection

from tenant_registry import cache
from tenant_registry.models import Tenant
from tenant_registry.reading import stored_entry as entry

from .helpers import (
    TENANT_TABLE,
    TableQueries,
    in_thread,
    peer_env,
    read_line,
    start_peer,
    wait_down,
    wait_until,
)
from .services import HungServer

pytestmark = pytest.mark.django_db(transaction=True)


def read_together(tenant_id: str, threads: int, counter: TableQueries) -> list[Any]:
    results: list[Any] = []
    barrier = threading.Barrier(threads)

    def read() -> None:
        try:
            barrier.wait()
            with connection.execute_wrapper(counter):
                results.append(Tenant.objects.get_config(tenant_id))
        finally:
            connection.close()

    workers = [threading.Thread(target=read) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def test_32_readers_of_a_cold_key_make_one_query_in_a_process() -> None:
    Tenant.objects.save_config("tn_cold", {"client": {"name": "cold"}})
    counter = TableQueries()
    results = read_together("tn_cold", 32, counter)
    assert counter.count == 1
    assert [r["client"]["name"] for r in results] == ["cold"] * 32


def test_the_counter_sees_the_queries_of_every_thread() -> None:
    Tenant.objects.save_config("tn_cold", {"client": {"name": "cold"}})
    counter = TableQueries()
    barrier = threading.Barrier(8)

    def query() -> None:
        try:
            barrier.wait()
            with connection.execute_wrapper(counter):
                assert Tenant.objects.filter(pk="tn_cold").exists()
        finally:
            connection.close()

    workers = [threading.Thread(target=query) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert counter.count == 8


def test_readers_in_two_processes_make_one_query_in_total(
    redis_server: Any, use_cache: Any, key_prefix: str, config_dir: Any
) -> None:
    use_cache(redis_server.url)
    Tenant.objects.save_config("tn_cold2", {"client": {"name": "cold"}})
    env = peer_env(redis_server.url, key_prefix, config_dir, "tn_cold2")
    peers = [start_peer("stampede", env) for _ in range(2)]
    for peer in peers:
        assert read_line(peer) == {"ready": True}
    for peer in peers:
        assert peer.stdin is not None
        peer.stdin.write("go\n")
        peer.stdin.flush()
    counts = [read_line(peer)["queries"] for peer in peers]
    for peer in peers:
        assert peer.wait(30) == 0
    assert sum(counts) == 1  # the other process waited for the lock holder's fill


def saved_then_expired(tenant_id: str, config: dict[str, Any]) -> Any:
    """A tenant whose entry expired: no process has heard of its removal, so a reader claims it."""
    Tenant.objects.save_config(tenant_id, config)
    Tenant.objects.get_config(tenant_id)
    cache.settle()
    store = cache.store()
    assert store is not None
    store.client.unlink(store.keys.entry(tenant_id))  # type: ignore[attr-defined]
    tier = cache.local_tier()
    if tier is not None:
        tier.discard([tenant_id])
    return store


def test_a_reader_waits_for_the_lock_holders_fill_instead_of_querying(django_assert_num_queries: Any) -> None:
    store = saved_then_expired("tn_locked", {"client": {"name": "database"}})
    store.client.set(store.keys.lock("tn_locked"), "another-process", px=2000)
    guard = cache.guard("tn_locked")
    assert guard is not None
    timer = threading.Timer(
        0.05,
        lambda: store.fill(
            "tn_locked",
            guard,
            entry.encode("tn_locked", "database", "active", {"client": {"name": "filled by the holder"}}),
            60,
            "another-process",
        ),
    )
    timer.start()
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_locked")["client"]["name"] == "filled by the holder"
    timer.join()


def test_a_reader_queries_once_the_lock_is_released_without_a_fill(django_assert_num_queries: Any) -> None:
    store = saved_then_expired("tn_locked", {"client": {"name": "database"}})
    store.client.set(store.keys.lock("tn_locked"), "another-process", px=2000)
    timer = threading.Timer(0.05, lambda: cache.release("tn_locked", "another-process"))
    timer.start()
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_locked")["client"]["name"] == "database"
    timer.join()
    assert cache.contains("tn_locked")


def test_a_lock_holder_that_never_fills_delays_a_reader_by_at_most_the_wait(django_assert_num_queries: Any) -> None:
    store = saved_then_expired("tn_locked", {"client": {"name": "database"}})
    store.client.set(store.keys.lock("tn_locked"), "a-dead-process", px=60_000)
    started = time.monotonic()
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_locked")["client"]["name"] == "database"
    assert time.monotonic() - started < 0.5 + 0.25  # the documented wait, plus scheduling noise


@pytest.mark.fault
def test_a_cold_read_without_redis_goes_to_the_database(
    redis_server: Any, use_cache: Any, django_assert_num_queries: Any
) -> None:
    use_cache(redis_server.url)
    Tenant.objects.save_config("tn_noredis", {"client": {"name": "db"}})
    redis_server.kill()
    tier = cache.local_tier()
    if tier is not None:
        wait_down(tier)  # until then its lease may still let it answer; not what this is about
    for _ in range(2):
        with django_assert_num_queries(1):
            assert Tenant.objects.get_config("tn_noredis")["client"]["name"] == "db"
    counter = TableQueries()
    results = read_together("tn_noredis", 8, counter)
    assert len(results) == 8
    assert 1 <= counter.count <= 8


def test_an_unknown_id_is_cached_as_missing_until_it_is_created(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_later") is None
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_later") is None
    assert cache.contains("tn_later")
    Tenant.objects.save_config("tn_later", {"client": {"name": "created"}})
    with django_assert_num_queries(1):
        assert Tenant.objects.get_config("tn_later")["client"]["name"] == "created"
    with django_assert_num_queries(0):
        assert Tenant.objects.get_config("tn_later")["client"]["name"] == "created"


def test_an_unknown_id_created_by_another_process_is_seen(
    redis_server: Any, use_cache: Any, key_prefix: str, config_dir: Any
) -> None:
    use_cache(redis_server.url)
    assert Tenant.objects.get_config("tn_later2") is None
    assert Tenant.objects.get_config("tn_later2") is None
    peer = start_peer("save", peer_env(redis_server.url, key_prefix, config_dir, "tn_later2"))
    read_line(peer)
    assert peer.wait(30) == 0
    time.sleep(0.1)
    assert Tenant.objects.get_config("tn_later2")["client"]["name"] == "v1"


def waiting_on_lock(admin: psycopg.Connection) -> int:
    admin.execute("SELECT pg_stat_clear_snapshot()")  # the lock holder's transaction would keep a stale view
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    ).fetchone()
    return int(row[0])


@pytest.mark.fault
@pytest.mark.parametrize("redis_state", ["up", "killed", "hung"])
def test_concurrent_readers_of_a_cold_key_cause_one_query(redis_server, use_cache, tenant_factory, redis_state):
    tenant_factory("tn_cold", {"v": 1})
    hung = None
    if redis_state == "hung":
        hung = HungServer()
        use_cache(hung.url)
    else:
        use_cache(redis_server.url)
        if redis_state == "killed":
            redis_server.kill()
    counter = TableQueries()
    db = connection.settings_dict
    admin = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        admin.execute(f'LOCK TABLE "{TENANT_TABLE}" IN ACCESS EXCLUSIVE MODE')  # holds the first query back

        def read():
            with counter.watching():
                return Tenant.objects.get_config("tn_cold")["v"]

        joins = [in_thread(read) for _ in range(16)]
        assert wait_until(lambda: waiting_on_lock(admin) >= 1, 10) is not None
        time.sleep(2.0)  # every reader is past the cache (one timeout at most) and waiting on the leader
        assert waiting_on_lock(admin) == 1
        admin.commit()
        assert [join() for join in joins] == [1] * 16
    finally:
        admin.close()
        if hung is not None:
            hung.close()
    assert len(counter.statements) == 1, counter.statements
