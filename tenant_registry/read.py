"""The read path of ``get_config``: cache, then database, then YAML, in one pass."""

from __future__ import annotations

import logging
import threading
from typing import Any

import orjson
from django.db import InterfaceError, OperationalError, connections, router
from django.db.models import Model

from . import cache, conf, entry, local_tier, locks, yaml_source
from .exceptions import ConfigFileError, RegistryUnavailable
from .invalidation import written_in_transaction
from .l1 import LocalCache
from .singleflight import SingleFlight

logger = logging.getLogger("tenant_registry")
_flights: SingleFlight[tuple[bytes, dict[str, Any] | None, int]] = SingleFlight()
MISSING = "missing"


def get_config(model: type[Model], tenant_id: str) -> dict[str, Any] | None:
    """``tenant_id`` must already be validated."""
    if tenant_id in conf.get("YAML_ONLY_TENANTS"):
        return from_yaml_only(tenant_id)
    using = router.db_for_read(model)
    if written_in_transaction(tenant_id, using):
        return _finish(tenant_id, load(model, tenant_id, using)[0])
    local = local_tier.current()
    generation = 0
    probe = True
    if local is not None:
        raw = local.get(tenant_id)
        if raw is not None:
            return _finish(tenant_id, raw)
        generation = local.generation  # read before fetching: see LocalCache.put
        # A miss of a live L1 is rare enough to read Redis through the claim, which also
        # takes the load lock when the entry is missing: one round trip fewer on a miss.
        probe = not local.live
    if probe:
        raw = cache.get(tenant_id)
        if raw is not None:
            found = entry.decode(tenant_id, raw)
            if found is not None:
                if local is not None:
                    _keep(local, tenant_id, raw, generation, found)
                return _resolved(found)
            _drop_corrupt(tenant_id)
    raw, built, leader = _flights.do(tenant_id, lambda: _load_and_fill(model, tenant_id, using))
    found = built if leader == threading.get_ident() else entry.decode(tenant_id, raw)
    if found is None:
        return None
    if local is not None:
        _keep(local, tenant_id, raw, generation, found)
    return _resolved(found)


def _drop_corrupt(tenant_id: str) -> None:
    logger.warning("tenant %s: ignoring a corrupt or foreign cache entry; it will be replaced", tenant_id)
    cache.invalidate([tenant_id])


def _keep(local: LocalCache, tenant_id: str, raw: bytes, generation: int, found: dict[str, Any]) -> None:
    ttl = conf.get("NEGATIVE_TTL") if found["src"] == MISSING else conf.get("CACHE_TTL")
    local.put(tenant_id, raw, generation, float(ttl))


def from_yaml_only(tenant_id: str) -> dict[str, Any] | None:
    path = yaml_source.tenant_file(tenant_id)
    if path is None:
        return None
    raw = yaml_source.load_built(path, lambda doc: entry.encode(tenant_id, "yaml", "active", doc))
    return _finish(tenant_id, raw, where=str(path))


def _finish(tenant_id: str, raw: bytes, where: str | None = None) -> dict[str, Any] | None:
    found = entry.decode(tenant_id, raw)
    return None if found is None else _resolved(found, where)


def _resolved(found: dict[str, Any], where: str | None = None) -> dict[str, Any] | None:
    if found["src"] == MISSING:
        return None
    return entry.resolve(found, where or f"tenant {found['t']}")


Loaded = tuple[bytes, dict[str, Any] | None, int]


def _load_and_fill(model: type[Model], tenant_id: str, using: str) -> Loaded:
    """The entry's bytes, its decoded form (private to the calling thread, the single-flight
    leader, whose ident comes third), loaded and filled unless another process holds the
    tenant's load lock and fills it meanwhile."""
    leader = threading.get_ident()
    owner = locks.new_owner()
    claimed = cache.claim(tenant_id, owner, locks.LOCK_TTL_MS)
    if claimed is None:
        raw, _, built = _load(model, tenant_id, using)
        return raw, built, leader
    tokens, owned, found = claimed
    if found is not None:
        decoded = entry.decode(tenant_id, found)
        if decoded is not None:
            return found, decoded, leader
        _drop_corrupt(tenant_id)
        raw, _, built = _load(model, tenant_id, using)
        return raw, built, leader
    if not owned:
        waited = locks.wait_for_fill(tenant_id)
        if waited is not None:
            return waited, None, 0
    try:
        raw, missing, built = _load(model, tenant_id, using)
    except BaseException:
        if owned:
            cache.release(tenant_id, owner)
        raise
    ttl = float(conf.get("NEGATIVE_TTL") if missing else conf.get("CACHE_TTL"))
    if owned:
        cache.fill_and_release(tenant_id, tokens, raw, ttl, owner)
    else:
        cache.fill(tenant_id, tokens, raw, ttl)
    return raw, built, leader


def load(model: type[Model], tenant_id: str, using: str) -> tuple[bytes, bool]:
    """The entry for a tenant from the database, else its YAML file, else a "missing" entry
    (and whether it is the missing one)."""
    raw, missing, _ = _load(model, tenant_id, using)
    return raw, missing


def _load(model: type[Model], tenant_id: str, using: str) -> tuple[bytes, bool, dict[str, Any]]:
    """:func:`load`, plus the entry as a private dict (what decoding the bytes would give)."""
    row = _select(model, tenant_id, using)
    if row is not None:
        status, source, config = row
        if source == "yaml":
            raw, built = entry.build(tenant_id, "yaml", status, _yaml_doc(tenant_id, required=True) or {})
            return raw, False, built
        doc = orjson.loads(config) if isinstance(config, str | bytes) else config
        raw, built = entry.build(tenant_id, "database", status, doc if isinstance(doc, dict) else {})
        return raw, False, built
    doc = _yaml_doc(tenant_id, required=False)
    if doc is None:
        raw, built = entry.build(tenant_id, MISSING, "", {})
        return raw, True, built
    raw, built = entry.build(tenant_id, "yaml", "active", doc)
    return raw, False, built


def _yaml_doc(tenant_id: str, *, required: bool) -> dict[str, Any] | None:
    path = yaml_source.tenant_file(tenant_id)
    if path is None:
        if required:
            missing = f"{yaml_source.config_dir()}/{tenant_id}{yaml_source.SUFFIX}"
            raise ConfigFileError(f"tenant {tenant_id}: config_source is yaml but {missing} does not exist")
        return None
    return yaml_source.load_file(path)


def _select(model: type[Model], tenant_id: str, using: str) -> tuple[str, str, Any] | None:
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT status, config_source, config FROM {table} WHERE id = %s"  # noqa: S608 - table name from model meta
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [tenant_id])
            row = cursor.fetchone()
    except (OperationalError, InterfaceError) as exc:
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        raise RegistryUnavailable(f"tenant {tenant_id}: the database is unavailable ({exc})".strip()) from exc
    return None if row is None else (row[0], row[1], row[2])
