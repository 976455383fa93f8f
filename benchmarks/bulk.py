"""Bulk paths: invalidate_all beside a raw SCAN + UNLINK, and a YAML import beside parse + bulk insert."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import redis
import yaml
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from tenant_registry import cache
from tenant_registry.cache.stores.redis_store import escape_glob
from tenant_registry.config_files import importer
from tenant_registry.models import Tenant

from .data import make_config

KEYS = 100_000
FOREIGN_PREFIX = f"{settings.RUN_PREFIX}-foreign:"


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def _fill(client: redis.Redis, keys: list[str]) -> None:
    for start in range(0, len(keys), 10_000):
        pipe = client.pipeline(transaction=False)
        for key in keys[start : start + 10_000]:
            pipe.set(key, b"x")
        pipe.execute()


def raw_scan_unlink(client: redis.Redis, pattern: str) -> int:
    removed, cursor = 0, 0
    while True:
        cursor, keys = client.scan(cursor, match=pattern, count=1000)
        if keys:
            removed += client.unlink(*keys)
        if cursor == 0:
            return removed


def invalidate_all(ours: int, foreign: int, trials: int = 3) -> tuple[float, float, int]:
    """Median seconds of Tenant.objects.invalidate_all() and of the raw floor, and keys removed."""
    client = _client()
    store = cache.store()
    ns = store.keys.ns  # type: ignore[union-attr]
    our_keys = [store.keys.entry(f"zz{i:06d}") for i in range(ours)]  # type: ignore[union-attr]
    foreign_keys = [f"{FOREIGN_PREFIX}k{i:06d}" for i in range(foreign)]
    _fill(client, foreign_keys)
    pattern = escape_glob(ns) + "c:*"
    ours_s, floor_s, removed = [], [], 0
    for _ in range(trials):
        _fill(client, our_keys)
        start = time.perf_counter()
        removed = Tenant.objects.invalidate_all()
        ours_s.append(time.perf_counter() - start)
        _fill(client, our_keys)
        start = time.perf_counter()
        raw_scan_unlink(client, pattern)
        floor_s.append(time.perf_counter() - start)
    raw_scan_unlink(client, f"{FOREIGN_PREFIX}*")
    client.close()
    return statistics.median(ours_s), statistics.median(floor_s), removed


def import_yaml(count: int) -> tuple[float, float, float, int]:
    """Seconds of importer.plan()+apply() for ``count`` new tenants, of parsing the files with the
    C loader, and of one bulk insert of the same rows; and how many were created."""
    folder = Path(tempfile.mkdtemp(prefix="tr-bench-import-"))
    for i in range(count):
        name = f"imp{i:05d}"
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(make_config(name, 3 * 1024), sort_keys=False))
    files = sorted(folder.glob("*.yaml"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    start = time.perf_counter()
    docs = {path.stem: yaml.load(path.read_text(), Loader=loader) for path in files}  # noqa: S506 - a safe loader
    parse_s = time.perf_counter() - start

    plain: QuerySet[Tenant] = QuerySet(Tenant)
    rows = [Tenant(id=name, config=doc) for name, doc in docs.items()]
    for row in rows:
        row.strip_secrets()
    start = time.perf_counter()
    with transaction.atomic():
        plain.bulk_create(rows, batch_size=1000)
    insert_s = time.perf_counter() - start
    _delete_imported()

    start = time.perf_counter()
    plan = importer.plan([folder])
    importer.apply(plan)
    import_s = time.perf_counter() - start
    created = plan.count("created")
    _delete_imported()
    for path in files:
        path.unlink()
    folder.rmdir()
    return import_s, parse_s, insert_s, created


def _delete_imported() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Tenant._meta.db_table} WHERE id LIKE %s", ["imp%"])  # noqa: S608


def cleanup() -> int:
    """Remove every key of this run (ours, the peer's and the foreign ones); never FLUSHDB."""
    client = _client()
    removed = raw_scan_unlink(client, f"{settings.RUN_PREFIX}*")
    client.close()
    return removed
