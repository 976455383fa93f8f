"""A Sentinel failover with the registry in three processes: an invalidation issued while no
primary answers is replayed to the promoted replica, every channel follows the new primary, and
a save around the failover is served by every process within the README's staleness bound B."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections

from tenant_registry import cache
from tenant_registry.models import Tenant

from ..helpers import SLACK, staleness_bound, store, wait_until
from .conftest import registry_env
from .redis_topology import Sentinel, client, wait_replicated
from .registry_worker import Worker
from .test_sentinel_cluster import use_sentinel

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]
TENANT = "tn_failover"
logger = logging.getLogger(__name__)  # the measured times: pytest --log-cli-level=INFO shows them


@pytest.fixture
def workers(settings: Any, sentinel: Sentinel) -> Iterator[list[Worker]]:
    """Two more Django processes on this test's database and namespace, through the same sentinels."""
    use_sentinel(settings, sentinel)
    env = registry_env(
        settings,
        TR_CACHES=json.dumps(settings.CACHES),
        DJANGO_REDIS_CONNECTION_FACTORY=settings.DJANGO_REDIS_CONNECTION_FACTORY,
    )
    started = [Worker(env), Worker(env)]
    try:
        yield started
    finally:
        for worker in started:
            worker.close()


def hold_in_every_tier(workers: list[Worker], name: str) -> None:
    """Each worker reads ``name`` and keeps it in its in-process tier; this process reads it too."""
    for worker in workers:
        worker("local", TENANT)  # its channel is up, so that the read below is kept
        assert worker("get", TENANT)["client"]["name"] == name
        assert worker("local", TENANT) is True
    assert Tenant.objects.get_config(TENANT)["client"]["name"] == name


def replicated_entry(topology: Sentinel) -> tuple[int, bytes]:
    """The replica's port and the tenant's entry, once the replica has the primary's copy."""
    key = store().keys.entry(TENANT)
    primary = client(topology.primary)
    assert wait_until(lambda: primary.exists(key) == 1, 5) is not None, "no entry on the primary"
    wait_replicated(topology.primary)
    replica = next(port for port in topology.servers if port != topology.primary)
    entry: Any = client(replica).get(key)
    assert entry is not None and entry == primary.get(key)
    return replica, entry


def change_behind_the_cache(name: str) -> None:
    """A raw SQL write, which the registry does not see: the caller invalidates it."""
    with connection.cursor() as cursor:
        config = json.dumps({"client": {"name": name}})
        cursor.execute("UPDATE tenant_registry_tenant SET config = %s::json WHERE id = %s", [config, TENANT])


@pytest.mark.parametrize("how", ["save", "invalidate"])
def test_an_invalidation_issued_while_no_primary_answers_is_replayed_to_the_promoted_replica(
    sentinel: Sentinel, workers: list[Worker], tenant_factory: Any, how: str
) -> None:
    tenant_factory(TENANT, {"client": {"name": "old"}})
    hold_in_every_tier(workers, "old")
    replica, stale = replicated_entry(sentinel)
    keys = store().keys
    old_token = client(replica).get(keys.token(TENANT))

    old = sentinel.stop_primary()
    if how == "save":
        Tenant.objects.save_config(TENANT, {"client": {"name": "new"}})
    else:
        change_behind_the_cache("new")
        Tenant.objects.invalidate(TENANT)
    assert cache.pending() == ({TENANT}, False), "the invalidation should be owed: no primary answers"
    # The heir is still a replica and holds the old entry: only a replay can remove it once promoted.
    assert client(replica).execute_command("ROLE")[0] == b"slave"
    assert client(replica).get(keys.entry(TENANT)) == stale
    assert Tenant.objects.get_config(TENANT)["client"]["name"] == "new"  # from PostgreSQL meanwhile
    for worker in workers:
        assert worker("get", TENANT)["client"]["name"] == "new"

    assert sentinel.await_promotion(old) == replica
    promoted, bound, heir = time.monotonic(), staleness_bound(), client(replica)

    def replayed() -> bool:
        return heir.get(keys.entry(TENANT)) != stale and heir.get(keys.token(TENANT)) != old_token

    took = wait_until(replayed, bound + SLACK)
    assert took is not None, f"the promoted replica still holds the old entry {bound + SLACK:.2f}s on"
    assert wait_until(lambda: cache.pending() == (set(), False), 5) is not None
    # every process's channel follows the new primary: its in-process tier is trusted again
    assert [worker("local", TENANT) is not None for worker in workers] == [True, True]
    assert wait_until(lambda: (tier := cache.local_tier()) is not None and tier.trusted, 10) is not None
    followed = time.monotonic() - promoted
    assert followed <= bound + SLACK, f"the channels followed the new primary {followed:.2f}s after its promotion"
    hold_in_every_tier(workers, "new")  # never the replicated entry
    assert wait_until(lambda: b'"new"' in (heir.get(keys.entry(TENANT)) or b""), 20) is not None
    logger.info("%s: old entry gone %.3fs, every channel up %.3fs after the promotion", how, took, followed)


class Reads(threading.Thread):
    """``read()`` in a loop until halted: (monotonic start, name read) of each, and every error."""

    def __init__(self, read: Callable[[], str]) -> None:
        super().__init__(daemon=True)
        self.read = read
        self.seen: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                started = time.monotonic()
                try:
                    self.seen.append((started, self.read()))
                except Exception as exc:  # every error is reported by the test
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                self.halt.wait(0.005)
        finally:
            connections.close_all()

    def started_after(self, moment: float) -> list[str]:
        return [name for started, name in list(self.seen) if started > moment]

    def old_after(self, saved: float) -> list[float]:
        """When each read that started after ``saved`` and still got the old config began."""
        return [started for started, name in self.seen if started > saved and name == "old"]


def reads_of(worker: Worker) -> Reads:
    return Reads(lambda: str(worker("get", TENANT)["client"]["name"]))


def save_new() -> tuple[float, set[str]]:
    Tenant.objects.save_config(TENANT, {"client": {"name": "new"}})
    return time.monotonic(), cache.pending()[0]


@pytest.mark.parametrize("moment", ["while-no-primary-answers", "once-promoted", "once-the-writer-uses-the-cache"])
def test_a_save_around_a_failover_is_served_by_every_process_within_the_bound(
    sentinel: Sentinel, workers: list[Worker], tenant_factory: Any, moment: str
) -> None:
    """Every process serves the save at most B after it returned or the new primary answered,
    whichever is later. Saved before the promotion the invalidation is owed; as soon as it is
    seen, it may be; once this process uses the cache again it is sent at once (0 stale reads)."""
    tenant_factory(TENANT, {"client": {"name": "old"}})
    hold_in_every_tier(workers, "old")
    replica, _stale = replicated_entry(sentinel)  # so the promoted replica starts with the old entry
    readers = [reads_of(worker) for worker in workers]
    readers.append(Reads(lambda: Tenant.objects.get_config(TENANT)["client"]["name"]))  # this process
    for reader in readers:
        reader.start()
    bound = staleness_bound()
    try:
        assert wait_until(lambda: all(reader.seen for reader in readers), 30) is not None
        if moment == "while-no-primary-answers":
            old = sentinel.stop_primary()
            saved, owed = save_new()
            assert owed == {TENANT}
            assert sentinel.await_promotion(old) == replica
            since = time.monotonic()
        else:
            assert sentinel.kill_primary() == replica
            if moment == "once-the-writer-uses-the-cache":
                back = wait_until(lambda: Tenant.objects.cache_info()["available"], bound + SLACK)
                assert back is not None, f"the cache is not used again {bound + SLACK:.2f}s after the promotion"
            saved, owed = save_new()
            since = saved
        enough = wait_until(lambda: all(len(r.started_after(since + bound + SLACK)) >= 20 for r in readers), 60)
        assert enough is not None, f"reads after the bound: {[len(r.started_after(since + bound)) for r in readers]}"
    finally:
        for reader in readers:
            reader.halt.set()
        for reader in readers:
            reader.join(30)
    assert [reader.errors for reader in readers] == [[], [], []]
    olds = [reader.old_after(saved) for reader in readers]
    stale = [max([0.0, *(started - since for started in old_reads)]) for old_reads in olds]
    assert all(seconds <= bound + SLACK for seconds in stale), f"old config served {stale}s on (B = {bound}s)"
    assert all(set(reader.started_after(since + bound + SLACK)) == {"new"} for reader in readers)
    if moment == "once-the-writer-uses-the-cache":  # sent at once: fresh after commit
        assert (owed, olds) == (set(), [[], [], []])
    hold_in_every_tier(workers, "new")  # each channel follows the new primary: its tier keeps reads again
    assert wait_until(lambda: b'"new"' in (client(replica).get(store().keys.entry(TENANT)) or b""), 20) is not None
    served, counts = [f"{s:.3f}" for s in stale], [len(old_reads) for old_reads in olds]
    logger.info("%s: old config up to %s s on, %s reads, per process (owed: %s)", moment, served, counts, owed)
