"""The registry on a Redis Cluster while slots move between primaries (a resharding, under load).

Guaranteed while the slots of tenants' keys and of the invalidation channel are half moved (some
keys on the old primary, some on the new one, ASK redirects) and while ``redis-cli --cluster
reshard`` moves thousands of slots: every ``get_config``, in this process (its in-process tier off,
so each read asks the cluster) and in two worker processes, answers the saved config without an
error; a save is seen by every process once it returned; an entry moved with its slot is still
served from Redis (no query) and the database is asked at most once per tenant saved since; the
channel follows its slot; ``cache_info()`` reports the cache available.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from redis.crc import key_slot
from redis.exceptions import AskError

from tenant_registry import cache
from tenant_registry.models import Tenant

from ..helpers import in_thread, store
from .cluster_topology import Cluster
from .redis_topology import client
from .registry_worker import Worker

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]
TENANTS = [f"tn_rs{n:02d}" for n in range(32)]
MOVING = TENANTS[:8]  # their slots move one step at a time; the first half is saved mid-move
LIVE = 5.0  # seconds for a worker's channel to come up again on the channel's new primary


class Expected:
    """What a read may answer: the name saved last, or the one being saved while the read ran."""

    def __init__(self) -> None:
        self.names = {tenant_id: {tenant_id} for tenant_id in TENANTS}
        self.errors: list[str] = []
        self.reads = 0

    def save(self, tenant_id: str, name: str) -> None:
        self.names[tenant_id] = {*self.names[tenant_id], name}
        Tenant.objects.save_config(tenant_id, {"client": {"name": name}})
        self.names[tenant_id] = {name}

    def check(self, tenant_id: str, read: Any) -> None:
        before = self.names[tenant_id]
        try:
            found = read(tenant_id)["client"]["name"]
        except Exception as exc:
            self.errors.append(f"{tenant_id}: {exc!r}")
            return
        self.reads += 1
        if found not in before | self.names[tenant_id]:
            self.errors.append(f"{tenant_id}: read {found!r}, expected one of {sorted(before)}")


@pytest.fixture
def expected(settings: Any, on_cluster: Cluster, tenant_factory: Any) -> Expected:
    """The tenants, each read once here (its entry in Redis); this process keeps no in-process tier."""
    settings.TENANT_REGISTRY = {**settings.TENANT_REGISTRY, "L1_ENABLED": False}
    cache.reset()
    for tenant_id in TENANTS:
        tenant_factory(tenant_id, {"client": {"name": tenant_id}})
        assert Tenant.objects.get_config(tenant_id)["client"]["name"] == tenant_id
    cache.settle()
    return Expected()


@pytest.fixture
def reader(expected: Expected) -> Iterator[Expected]:
    """A thread of this process reading every tenant in turn until the test ends."""
    stop = threading.Event()

    def read_all() -> None:
        try:
            while not stop.is_set():
                for tenant_id in TENANTS:
                    expected.check(tenant_id, Tenant.objects.get_config)
        finally:
            connection.close()

    thread = threading.Thread(target=read_all)
    thread.start()
    try:
        yield expected
    finally:
        stop.set()
        thread.join()
    assert expected.reads > len(TENANTS)


def test_half_moved_slots_answer_right_and_saves_reach_every_process(
    cluster_workers: tuple[Worker, Worker], on_cluster: Cluster, reader: Expected
) -> None:
    keys = store().keys
    for worker in cluster_workers:
        assert worker("wait_live", "", timeout=LIVE)
        for tenant_id in TENANTS:  # now in its in-process tier too
            reader.check(tenant_id, lambda t, w=worker: w("get", t))
    moves: dict[int, tuple[int, int]] = {}  # slot -> (old primary, new primary)
    for slot in {key_slot(keys.channel.encode()), *(key_slot(keys.entry(t).encode()) for t in MOVING)}:
        owner = on_cluster.owner(slot)
        target = next(port for port in primaries(on_cluster) if port != owner)
        moves[slot] = (on_cluster.begin_move(slot, target), target)
    for n, tenant_id in enumerate(MOVING):  # even: the entry moves first; odd: the guard token does
        key = keys.entry(tenant_id) if n % 2 == 0 else keys.token(tenant_id)
        source, target = moves[key_slot(key.encode())]
        assert client(source).exists(key), f"{key} is not on its primary"
        on_cluster.migrate(source, target, [key])
    source = moves[key_slot(keys.entry(MOVING[0]).encode())][0]
    with pytest.raises(AskError):  # the old primary sends readers on
        client(source).get(keys.entry(MOVING[0]))
    assert_reads_ask_at_most(0)
    saved = MOVING[: len(MOVING) // 2]
    for version, tenant_id in enumerate(saved * 2):  # saves while their keys and the channel are half moved
        reader.save(tenant_id, f"{tenant_id} mid-move {version}")
        for worker in cluster_workers:
            reader.check(tenant_id, lambda t, w=worker: w("get", t))
        reader.check(tenant_id, Tenant.objects.get_config)
    assert_reads_ask_at_most(len(saved))
    assert_reads_ask_at_most(len(saved))
    assert Tenant.objects.cache_info()["available"] is True
    for slot, (source, target) in moves.items():
        on_cluster.finish_move(slot, source, target)
    cache.settle()
    assert_reads_ask_at_most(len(saved))
    cache.settle()
    assert_reads_ask_at_most(0)  # each entry is served from its new primary
    for tenant_id in MOVING[len(saved) :]:  # never saved: the entry filled before the move moved with it
        target = moves[key_slot(keys.entry(tenant_id).encode())][1]
        assert client(target).exists(keys.entry(tenant_id))
    assert_saves_reach_every_process(cluster_workers, reader, on_cluster, "after the move")
    assert reader.errors[:5] == [], f"{len(reader.errors)} wrong reads"


def test_a_reshard_under_load_keeps_answers_right_and_entries_cached(
    cluster_workers: tuple[Worker, Worker], on_cluster: Cluster, reader: Expected
) -> None:
    keys = store().keys
    source = on_cluster.owner(key_slot(keys.channel.encode()))
    target = next(port for port in primaries(on_cluster) if port != source)
    held = [t for t in TENANTS if on_cluster.owner(key_slot(keys.entry(t).encode())) == source]
    assert held, "no tenant on the channel's primary"
    for worker in cluster_workers:
        assert worker("wait_live", "", timeout=LIVE)
    moved = threading.Event()

    def reshard() -> None:
        try:
            on_cluster.reshard(source, target, slots=16384 // 3)  # all of its slots
        finally:
            moved.set()

    join = in_thread(reshard)
    version = 0
    while not moved.is_set():  # saves while the slots move
        tenant_id = TENANTS[version % len(TENANTS)]
        reader.save(tenant_id, f"{tenant_id} resharding {version}")
        for worker in cluster_workers:
            reader.check(tenant_id, lambda t, w=worker: w("get", t))
        version += 1
    join(120)
    assert version > 0
    assert on_cluster.owner(key_slot(keys.channel.encode())) == target
    cache.settle()
    assert_reads_ask_at_most(len(TENANTS))
    cache.settle()
    assert_reads_ask_at_most(0)
    assert all(client(target).exists(keys.entry(tenant_id)) for tenant_id in held)
    assert_saves_reach_every_process(cluster_workers, reader, on_cluster, "after the reshard")
    assert reader.errors[:5] == [], f"{len(reader.errors)} wrong reads"


def assert_reads_ask_at_most(queries: int) -> None:
    """One read of every tenant here, right and with at most ``queries`` statements to the database."""
    with CaptureQueriesContext(connection) as captured:
        for tenant_id in TENANTS:
            assert Tenant.objects.get_config(tenant_id) is not None
    assert len(captured) <= queries, [query["sql"][:60] for query in captured]


def assert_saves_reach_every_process(
    workers: tuple[Worker, Worker], reader: Expected, cluster: Cluster, what: str
) -> None:
    """The channel is up again on its slot's primary, with both workers on it, and a save of any
    tenant is what every process reads once it returned."""
    for worker in workers:
        assert worker("wait_live", "", timeout=LIVE)
    channel = store().keys.channel
    assert client(cluster.owner(key_slot(channel.encode()))).pubsub_shardnumsub(channel)[0][1] >= 2
    for tenant_id in TENANTS:
        reader.save(tenant_id, f"{tenant_id} {what}")
        for worker in workers:
            reader.check(tenant_id, lambda t, w=worker: w("get", t))
            assert worker("get", tenant_id)["client"]["name"] == f"{tenant_id} {what}"
    assert Tenant.objects.cache_info()["available"] is True


def primaries(cluster: Cluster) -> list[int]:
    return [port for port, (role, _) in cluster.roles().items() if role == "master" and port not in cluster.killed]
