"""``make soak``: two processes of readers and writers over many tenants while our own
redis-server is killed, paused and restarted (empty, or with its old data as after a failover)
every few seconds. Not part of ``make test``.

Environment: SOAK_SECONDS (default 60), SOAK_TENANTS (100), SOAK_COOLDOWN (CACHE_COOLDOWN, 1.0),
DATABASE_URL (default .../tenant_registry_soak; the database is created and migrated if needed).

Every config carries a version ``v`` that its single writer increments. When a write's commit
has returned, the writer records (in shared memory, independent of Redis) the version and the
time. A read is **stale** when it starts after the commit of version ``n`` returned and returns a
version below ``n``. Its age is measured from the later of that commit and the end of the last
Redis outage; a stale read older than the documented bound (CACHE_COOLDOWN + SOCKET_CONNECT_TIMEOUT
+ SOCKET_TIMEOUT + 0.1 s) is a failure. A read returning another tenant's config is a
cross-tenant read; an exception out of get_config or a write is an error. The exit code is 1
unless errors, stale reads beyond the bound and cross-tenant reads are all 0.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
TENANTS = int(os.environ.get("SOAK_TENANTS", "100"))
HOT = 0.5  # share of the writes that go to the first tenth of the tenants; the others change seldom
COOLDOWN = float(os.environ.get("SOAK_COOLDOWN", "1.0"))
PROCESSES = 2
READERS = 4
WRITERS = 2
RING = 8192
PREFIX = "soak:tenant_config:"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tenant_registry_soak"


def tenant_id(index: int) -> str:
    return f"soak-{index:03d}"


@dataclass
class Shared:
    latest: Any  # latest committed version per tenant
    commit_time: Any  # RING slots per tenant: when the commit of a version returned
    commit_version: Any  # which version a slot holds
    down_since: Any  # monotonic time the current/last outage began
    up_since: Any  # monotonic time Redis answered again after the last outage
    stop: Any

    @classmethod
    def create(cls, context: Any) -> Shared:
        return cls(
            latest=context.Array("q", TENANTS, lock=False),
            commit_time=context.Array("d", TENANTS * RING, lock=False),
            commit_version=context.Array("q", TENANTS * RING, lock=False),
            down_since=context.Value("d", 0.0, lock=False),
            up_since=context.Value("d", 0.0, lock=False),
            stop=context.Event(),
        )


@dataclass
class Counts:
    reads: int = 0
    writes: int = 0
    errors: int = 0
    stale_beyond: int = 0
    stale_within: int = 0
    cross_tenant: int = 0
    outage_latencies: list[float] = field(default_factory=list)
    normal_latencies: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.samples) < 10:
            self.samples.append(text)

    def merge(self, other: Counts) -> None:
        for name in ("reads", "writes", "errors", "stale_beyond", "stale_within", "cross_tenant"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.outage_latencies += other.outage_latencies
        self.normal_latencies += other.normal_latencies
        self.samples += other.samples[: max(0, 10 - len(self.samples))]


def bound() -> float:
    from tenant_registry import conf

    return (
        float(conf.get_settings().CACHE_COOLDOWN)
        + conf.get_settings().SOCKET_CONNECT_TIMEOUT
        + conf.get_settings().SOCKET_TIMEOUT
        + 0.1
    )


def setup_django(redis_url: str) -> None:
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.test_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    registry = {**settings.TENANT_REGISTRY, "KEY_PREFIX": PREFIX, "CACHE_COOLDOWN": COOLDOWN}
    override_settings(TENANT_REGISTRY=registry).enable()


# the worker processes


def worker(number: int, redis_url: str, shared: Shared, results: Any) -> None:
    setup_django(redis_url)
    from django.db import connections

    counts = [Counts() for _ in range(READERS + WRITERS)]
    threads = [threading.Thread(target=reader, args=(shared, counts[i], number * 1000 + i)) for i in range(READERS)]
    threads += [
        threading.Thread(target=writer, args=(shared, counts[READERS + i], number * WRITERS + i))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Counts()
    for part in counts:
        total.merge(part)
    results.put(total)
    connections.close_all()


def writer(shared: Shared, counts: Counts, number: int) -> None:
    from django.db import connections

    from tenant_registry.models import Tenant

    owned = [t for t in range(TENANTS) if t % (PROCESSES * WRITERS) == number]
    hot = [t for t in owned if t < TENANTS // 10] or owned
    rng = random.Random(number)
    while not shared.stop.is_set():
        t = rng.choice(hot if rng.random() < HOT else owned)
        version = shared.latest[t] + 1
        config = {"tenant": tenant_id(t), "v": version, "pad": "x" * rng.randint(0, 200)}
        try:
            how = rng.random()
            if how < 0.6:
                Tenant.objects.save_config(tenant_id(t), config)
            elif how < 0.8:
                Tenant.objects.filter(pk=tenant_id(t)).update(config=config)
            else:
                tenant = Tenant.objects.get(pk=tenant_id(t))
                tenant.config = config
                tenant.save()
        except Exception as exc:
            counts.errors += 1
            counts.note(f"write {tenant_id(t)} v{version}: {type(exc).__name__}: {exc}")
            continue
        slot = t * RING + version % RING
        shared.commit_time[slot] = time.monotonic()
        shared.commit_version[slot] = version
        shared.latest[t] = version
        counts.writes += 1
        time.sleep(rng.uniform(0.005, 0.03))
    connections.close_all()


def reader(shared: Shared, counts: Counts, seed: int) -> None:
    from django.db import connections

    from tenant_registry.models import Tenant

    rng = random.Random(seed)
    limit = bound()
    while not shared.stop.is_set():
        t = rng.randrange(TENANTS)
        floor = shared.latest[t]
        down, up = shared.down_since.value, shared.up_since.value
        start = time.monotonic()
        try:
            config = Tenant.objects.get_config(tenant_id(t))
        except Exception as exc:
            counts.errors += 1
            counts.note(f"read {tenant_id(t)}: {type(exc).__name__}: {exc}")
            continue
        took = time.monotonic() - start
        counts.reads += 1
        in_outage = down > up or start - up < limit
        (counts.outage_latencies if in_outage else counts.normal_latencies).append(took)
        if config is None or config.get("tenant") != tenant_id(t) or config["_meta"]["tenant_id"] != tenant_id(t):
            counts.cross_tenant += 1
            counts.note(f"read {tenant_id(t)} returned {config!r:.200}")
            continue
        version = config["v"]
        if version < floor:
            check_stale(shared, counts, t, version, start, down, up, limit)
        time.sleep(0.0005)
    connections.close_all()


def check_stale(
    shared: Shared, counts: Counts, t: int, version: int, start: float, down: float, up: float, limit: float
) -> None:
    slot = t * RING + (version + 1) % RING
    if shared.commit_version[slot] != version + 1:
        counts.stale_beyond += 1
        counts.note(f"read {tenant_id(t)} got v{version}, far behind (ring overwritten)")
        return
    since = max(shared.commit_time[slot], up)
    age = 0.0 if down > up else start - since
    if age > limit:
        counts.stale_beyond += 1
        counts.note(
            f"read {tenant_id(t)} got v{version} {age:.3f}s after v{version + 1} committed (bound {limit:.2f}s)"
        )
    else:
        counts.stale_within += 1


# the controller


def prepare_database() -> None:
    import dj_database_url
    import psycopg

    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def seed() -> None:
    from django.core.management import call_command
    from django.db import connections

    from tenant_registry.models import Tenant

    call_command("migrate", verbosity=0)
    Tenant.objects.filter(pk__startswith="soak-").delete()
    Tenant.objects.bulk_create(
        [Tenant(id=tenant_id(t), config={"tenant": tenant_id(t), "v": 0}) for t in range(TENANTS)]
    )
    connections.close_all()


def chaos(server: Any, shared: Shared, deadline: float, log: list[str]) -> None:
    rng = random.Random(7)
    time.sleep(2.0)
    kinds = ["kill-empty", "pause", "kill-keep-data"]
    while time.monotonic() < deadline - 4:
        kind = kinds[len(log) % len(kinds)]
        outage = rng.uniform(0.5, 2.0)
        shared.down_since.value = time.monotonic()
        if kind == "pause":
            server.pause(outage)
            time.sleep(outage)
        else:
            server.kill()
            if kind == "kill-empty":
                shutil.rmtree(server.workdir, ignore_errors=True)
                server.workdir.mkdir(parents=True)
            time.sleep(outage)
            server.start()
        while True:
            try:
                server.client().ping()
                break
            except Exception:
                time.sleep(0.01)
        shared.up_since.value = time.monotonic()
        log.append(f"{kind} {outage:.1f}s")
        time.sleep(rng.uniform(2.0, 4.0))


def out(line: str) -> None:
    sys.stdout.write(line + "\n")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    sys.path.insert(0, os.getcwd())
    from tests.services import RedisServer

    prepare_database()
    server = RedisServer(appendonly=True).start()
    try:
        setup_django(server.url)
        seed()
        limit = bound()
        context = multiprocessing.get_context("spawn")
        shared = Shared.create(context)
        results = context.Queue()
        workers = [context.Process(target=worker, args=(n, server.url, shared, results)) for n in range(PROCESSES)]
        for process in workers:
            process.start()
        started = time.monotonic()
        log: list[str] = []
        chaos(server, shared, started + SECONDS, log)
        time.sleep(max(0.0, started + SECONDS - time.monotonic()))
        shared.stop.set()
        total = Counts()
        for _ in workers:
            total.merge(results.get(timeout=120))
        for process in workers:
            process.join(30)
    finally:
        server.kill()
        shutil.rmtree(server.workdir, ignore_errors=True)

    outage = total.outage_latencies
    out(f"soak: {SECONDS:.0f}s, {PROCESSES} processes x ({READERS} readers + {WRITERS} writers), {TENANTS} tenants")
    out(f"redis outages: {len(log)} ({', '.join(log)})")
    out(f"bound for stale reads: {limit:.2f}s (CACHE_COOLDOWN {COOLDOWN}s + socket timeouts + 0.1s)")
    out(f"reads: {total.reads}")
    out(f"writes: {total.writes}")
    out(f"errors raised to callers: {total.errors}")
    out(f"stale reads beyond the bound: {total.stale_beyond}")
    out(f"stale reads within the bound: {total.stale_within}")
    out(f"cross-tenant reads: {total.cross_tenant}")
    out(
        f"read latency during outages ({len(outage)} reads): p50 {percentile(outage, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(outage, 0.99) * 1000:.1f} ms, max {max(outage, default=0) * 1000:.1f} ms"
    )
    normal = total.normal_latencies
    out(
        f"read latency otherwise ({len(normal)} reads): p50 {percentile(normal, 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(normal, 0.99) * 1000:.1f} ms, max {max(normal, default=0) * 1000:.1f} ms"
    )
    for sample in total.samples:
        out(f"  {sample}")
    failed = total.errors or total.stale_beyond or total.cross_tenant
    out("FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
