"""Single reads: each get_config tier beside its floor and its peer, for one config size."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass

import orjson
import psycopg
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from tenant_registry import cache
from tenant_registry.models import Tenant

from .timing import Case, interleaved


@dataclass
class Row:
    name: str
    size: str
    case: Case
    floor: Case | None = None
    target: float | None = None  # the ratio to the floor must be at most this

    @property
    def ratio(self) -> float | None:
        return None if self.floor is None else self.case.median / self.floor.median


def raw_connection() -> psycopg.Connection[tuple[object, ...]]:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    )


def _registry(**values: object) -> override_settings:
    return override_settings(TENANT_REGISTRY={**settings.TENANT_REGISTRY, **values})


def _wait_live(timeout: float = 5.0) -> None:
    local = cache.local_tier()
    deadline = time.monotonic() + timeout
    while local is None or not local.trusted:
        if time.monotonic() > deadline:
            raise RuntimeError("the invalidation channel did not come up")
        time.sleep(0.01)
        local = cache.local_tier()


def hits(size: str, hot_id: str, yaml_id: str, samples: int) -> list[Row]:
    """In-memory floors and the L1 and YAML-only tiers (L1 on)."""
    with _registry(L1_ENABLED=True):
        Tenant.objects.get_config(hot_id)
        _wait_live()
        Tenant.objects.get_config(hot_id)
        raw = cache.get(hot_id)
        assert raw is not None
        payload = Tenant.objects.get_config(hot_id)
        table = {hot_id: payload}
        dict_case = Case("dict lookup", lambda: table[hot_id], batch=200)
        loads_case = Case("orjson.loads", lambda: orjson.loads(raw))
        l1_case = Case("get_config, L1 hit", lambda: Tenant.objects.get_config(hot_id))
        yaml_case = Case("get_config, YAML-only tenant", lambda: Tenant.objects.get_config(yaml_id))
        interleaved([dict_case, loads_case, l1_case, yaml_case], samples)
        local = cache.local_tier()
        assert local is not None
        key = cache.store().keys.entry(hot_id)  # type: ignore[union-attr]
        client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
        floor = Case("raw GET + json.loads", lambda: json.loads(client.get(key)))  # type: ignore[arg-type]
        after_miss = Case(
            "get_config, L1 miss then Redis hit",
            lambda: Tenant.objects.get_config(hot_id),
            prepare=lambda: local.discard([hot_id]),
        )
        interleaved([floor, after_miss], samples // 4)
        client.close()
    return [
        Row("floor: dict lookup", size, dict_case),
        Row("floor: orjson.loads of the entry", size, loads_case),
        Row("get_config hit, L1 (in-process)", size, l1_case, loads_case, 3.0),
        Row("get_config hit, YAML-only tenant", size, yaml_case, loads_case),
        Row("get_config, L1 miss -> Redis hit (info)", size, after_miss, floor),
    ]


def redis_hits(size: str, hot_id: str, samples: int) -> list[Row]:
    """The Redis tier (L1 off) beside raw redis-py GET + json.loads and django-redis get."""
    with _registry(L1_ENABLED=False):
        Tenant.objects.get_config(hot_id)
        store = cache.store()
        key = store.keys.entry(hot_id)  # type: ignore[union-attr]
        client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
        peer = caches["default"]
        peer.set(f"peer:{hot_id}", json.loads(client.get(key)))  # type: ignore[arg-type]
        floor = Case("raw GET + json.loads", lambda: json.loads(client.get(key)))  # type: ignore[arg-type]
        ours = Case("get_config, Redis hit", lambda: Tenant.objects.get_config(hot_id))
        peer_case = Case("django-redis cache.get", lambda: peer.get(f"peer:{hot_id}"))
        interleaved([floor, ours, peer_case], samples)
        client.close()
    return [
        Row("floor: redis-py GET + json.loads", size, floor),
        Row("get_config hit, Redis (L1 off)", size, ours, floor, 1.15),
        Row("peer: django-redis cache.get", size, peer_case, floor),
    ]


def misses(size: str, ids: list[str], samples: int) -> list[Row]:
    """Misses beside a raw SELECT and the ORM. The usual one follows a save: every process hears
    the invalidation (with the tenant's new token) and reads the database without asking Redis
    first. An entry that expired is unknown to the L1, so that miss claims in Redis first; with
    the L1 off every miss does. Each sample's cold key is prepared untimed."""
    from tenant_registry.models import Tenant as Model

    table = Model._meta.db_table
    conn = raw_connection()
    store = cache.store()
    cycle = itertools.cycle(ids)
    current = [ids[0]]

    def expired() -> None:
        current[0] = next(cycle)
        store.client.unlink(store.keys.entry(current[0]))  # type: ignore[union-attr]
        local = cache.local_tier()
        if local is not None:
            local.discard([current[0]])

    def saved() -> None:
        current[0] = next(cycle)
        Tenant.objects.invalidate(current[0])  # returns once this process's tier has the hint
        time.sleep(0.001)  # the subscriber thread finishes its acknowledgement before the timed read

    sql = f"SELECT status, config_source, config FROM {table} WHERE id = %s"  # noqa: S608
    floor = Case("raw SELECT", lambda: conn.execute(sql, [next(cycle)]).fetchone())
    orm = Case("ORM get", lambda: Model.objects.get(pk=next(cycle)))
    after_save = Case("get_config miss after a save", lambda: Tenant.objects.get_config(current[0]), prepare=saved)
    after_expiry = Case("get_config miss, expired", lambda: Tenant.objects.get_config(current[0]), prepare=expired)
    without_l1 = Case("get_config miss, L1 off", lambda: Tenant.objects.get_config(current[0]), prepare=expired)
    orm_again = Case("ORM get", lambda: Model.objects.get(pk=next(cycle)))
    with _registry(L1_ENABLED=True):
        Tenant.objects.get_config(ids[0])
        _wait_live()
        interleaved([floor, orm, after_save, after_expiry], samples, warmup=20)
    with _registry(L1_ENABLED=False):
        Tenant.objects.get_config(ids[0])
        interleaved([orm_again, without_l1], samples // 2, warmup=20)
    conn.close()
    return [
        Row("floor: psycopg SELECT by pk", size, floor),
        Row("peer: ORM Tenant.objects.get(pk=)", size, orm, floor),
        Row("get_config miss after a save (DB read + fill)", size, after_save, orm, 1.0),
        Row("get_config miss after a save vs raw SELECT", size, after_save, floor),
        Row("get_config miss, entry expired (claim + DB read)", size, after_expiry, orm, 1.0),
        Row("get_config miss, L1 off (info)", size, without_l1, orm_again),
    ]
