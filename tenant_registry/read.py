"""The read path of ``get_config``: cache, then database, then YAML, in one pass."""

from __future__ import annotations

import logging
import threading
from typing import Any

import orjson
from django.db import InterfaceError, OperationalError, connections, router
from django.db.models import Model

from . import cache, conf, entry, local_tier, locks
from .exceptions import ConfigFileError, RegistryUnavailable
from .invalidation import written_in_transaction
from .l1 import LocalCache
from .singleflight import SingleFlight
from .snapshots import fill_is_safe
from .yaml import tenant_files

logger = logging.getLogger("tenant_registry")
MISSING = "missing"
Loaded = tuple[bytes, dict[str, Any] | None, int, bool, cache.Tokens | None]
_flights: SingleFlight[Loaded] = SingleFlight()


def get_config(model: type[Model], tenant_id: str) -> dict[str, Any] | None:
    """``tenant_id`` must already be validated."""
    if tenant_id in conf.get("YAML_ONLY_TENANTS"):
        return from_yaml_only(tenant_id)
    using = router.db_for_write(model)  # the primary: a replica may still hold a row older than the last save
    if written_in_transaction(tenant_id, using):
        return _finish(tenant_id, load(model, tenant_id, using)[0])
    local = local_tier.current()
    generation = 0
    probe = True
    hint = None
    if local is not None:
        raw = local.get(tenant_id)
        if raw is not None:  # bytes this process built or checked before keeping them
            return _resolved(orjson.loads(raw))
        generation = local.generation  # read before fetching: see LocalCache.put
        # A miss of a live L1 is rare enough to read Redis through the claim, which also
        # takes the load lock when the entry is missing: one round trip fewer on a miss.
        probe = not local.live
        hint = local.take_hint(tenant_id)
    if probe and hint is None:
        raw = cache.get(tenant_id)
        if raw is not None:
            found = entry.decode(tenant_id, raw)
            if found is not None:
                if local is not None:
                    _keep(local, tenant_id, raw, generation, found)
                return _resolved(found)
            _drop_corrupt(tenant_id)
    if not fill_is_safe(connections[using]):  # an old snapshot: neither cached nor shared
        return _finish(tenant_id, load(model, tenant_id, using)[0])
    raw, found = _shared_load(model, tenant_id, using, hint)
    if local is not None:
        local.drop_hint(tenant_id)
    if found is None:
        return None
    if local is not None:
        _keep(local, tenant_id, raw, generation, found)
    return _resolved(found)


def from_local(model: type[Model], tenant_id: str) -> tuple[dict[str, Any] | None] | None:
    """``get_config``'s answer as a 1-tuple from this process's L1, else None; no I/O (event loops)."""
    local = None if tenant_id in conf.get("YAML_ONLY_TENANTS") else local_tier.current()
    if local is None or written_in_transaction(tenant_id, router.db_for_write(model)):
        return None
    raw = local.get(tenant_id)
    return None if raw is None else (_resolved(orjson.loads(raw)),)


def _drop_corrupt(tenant_id: str) -> None:
    logger.warning("tenant %s: ignoring a corrupt or foreign cache entry; it will be replaced", tenant_id)
    cache.invalidate([tenant_id])


def _keep(local: LocalCache, tenant_id: str, raw: bytes, generation: int, found: dict[str, Any]) -> None:
    local.put(tenant_id, raw, generation, _ttl(found["src"] == MISSING))


def from_yaml_only(tenant_id: str) -> dict[str, Any] | None:
    path = tenant_files.tenant_file(tenant_id)
    if path is None:
        return None
    raw = tenant_files.load_built(path, lambda doc: entry.encode(tenant_id, "yaml", "active", doc))
    return _finish(tenant_id, raw, where=str(path))


def _finish(tenant_id: str, raw: bytes, where: str | None = None) -> dict[str, Any] | None:
    found = entry.decode(tenant_id, raw)
    return None if found is None else _resolved(found, where)


def _resolved(found: dict[str, Any], where: str | None = None) -> dict[str, Any] | None:
    if found["src"] == MISSING:
        return None
    return entry.resolve(found, where or (lambda: _describe(found)))


def _describe(found: dict[str, Any]) -> str:
    """How messages name a tenant: with its file when the config came from one."""
    tenant_id = found["t"]
    if found["src"] == "yaml":
        return f"tenant {tenant_id} ({tenant_files.config_dir() / f'{tenant_id}.yaml'})"
    return f"tenant {tenant_id}"


def _shared_load(
    model: type[Model], tenant_id: str, using: str, hint: cache.Tokens | None
) -> tuple[bytes, dict[str, Any] | None]:
    """One database read for the concurrent misses of a tenant in this process. A caller that
    joined a read which may predate an invalidation (so perhaps a commit this caller saw return)
    reads again. The leader keeps the entry it built; the others decode their own copy."""
    raw, built, leader, current, tokens = _flights.do(tenant_id, lambda: _load_and_fill(model, tenant_id, using, hint))
    if leader == threading.get_ident():
        return raw, built
    if not current or (tokens is not None and cache.tokens(tenant_id) not in (tokens, None)):
        raw, _, built = _load(model, tenant_id, using)
        return raw, built
    return raw, entry.decode(tenant_id, raw)


def _load_and_fill(model: type[Model], tenant_id: str, using: str, hint: cache.Tokens | None) -> Loaded:
    """The entry's bytes, its decoded form (private to the leader, whose thread ident comes
    third), whether no invalidation (in Redis, or by this process) is known to have come while
    it was read, and the tokens of a fill sent without waiting for its answer: still current
    only if no invalidation came since. Loaded and filled unless another process holds the
    tenant's load lock and fills it meanwhile."""
    if hint is not None:
        return _load_and_fill_hinted(model, tenant_id, using, hint)
    leader = threading.get_ident()
    made = cache.invalidations()
    local = local_tier.current()
    epochs = local.epochs_seen() if local is not None else 0
    owner = locks.new_owner()
    claimed = cache.claim(tenant_id, owner, locks.LOCK_TTL_MS)
    if claimed is None:
        raw, _, built = _load(model, tenant_id, using)
        return raw, built, leader, cache.invalidations() == made, None
    tokens, owned, found = claimed
    if local is not None and found is None:
        local.claimed(tenant_id, tokens, epochs)
    if found is not None:
        decoded = entry.decode(tenant_id, found)
        if decoded is not None:
            return found, decoded, leader, True, None
        _drop_corrupt(tenant_id)
        claimed = cache.claim(tenant_id, owner, locks.LOCK_TTL_MS)  # once more, now the bad entry is gone
        if claimed is None or claimed[2] is not None:
            raw, _, built = _load(model, tenant_id, using)
            return raw, built, leader, False, None
        tokens, owned, _ = claimed
    if not owned:
        waited = locks.wait_for_fill(tenant_id)
        if waited is not None:
            return waited, entry.decode(tenant_id, waited), leader, True, None
    try:
        raw, missing, built = _load(model, tenant_id, using)
    except BaseException:
        if owned:
            cache.release(tenant_id, owner)
        raise
    current = cache.invalidations() == made
    if owned:
        cache.fill_later(tenant_id, tokens, raw, _ttl(missing), owner)
        return raw, built, leader, current, tokens
    filled = cache.fill(tenant_id, tokens, raw, _ttl(missing))
    return raw, built, leader, current if filled is None else filled and current, None


def _load_and_fill_hinted(model: type[Model], tenant_id: str, using: str, hint: cache.Tokens) -> Loaded:
    """:func:`_load_and_fill` for a tenant whose entry an invalidation message removed, with the
    tokens it gave: nothing is asked of Redis first and no load lock is taken."""
    made = cache.invalidations()
    raw, missing, built = _load(model, tenant_id, using)
    cache.fill_later(tenant_id, hint, raw, _ttl(missing), None)
    return raw, built, threading.get_ident(), cache.invalidations() == made, hint


def _ttl(missing: bool) -> float:
    return float(conf.get("NEGATIVE_TTL") if missing else conf.get("CACHE_TTL"))


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
        if isinstance(config, str | bytes):
            text = config.encode() if isinstance(config, str) else config
            doc = orjson.loads(text)
        else:
            text, doc = None, config
        if not isinstance(doc, dict):
            text, doc = None, {}
        raw, built = entry.build(tenant_id, "database", status, doc, text)
        return raw, False, built
    doc = _yaml_doc(tenant_id, required=False)
    if doc is None:
        raw, built = entry.build(tenant_id, MISSING, "", {})
        return raw, True, built
    raw, built = entry.build(tenant_id, "yaml", "active", doc)
    return raw, False, built


def _yaml_doc(tenant_id: str, *, required: bool) -> dict[str, Any] | None:
    path = tenant_files.tenant_file(tenant_id)
    if path is None:
        if required:
            expected = tenant_files.config_dir() / f"{tenant_id}{tenant_files.SUFFIX}"
            raise ConfigFileError(f"tenant {tenant_id}: config_source is yaml but {expected} does not exist")
        return None
    return tenant_files.load_file(path)


def _select(model: type[Model], tenant_id: str, using: str) -> tuple[str, str, Any] | None:
    """The row, read once more on a fresh connection when the open one turns out dead (a
    terminated backend, a restarted server); never inside a transaction."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    config = "config::text" if connection.vendor == "postgresql" else "config"  # text: orjson decodes it faster
    sql = f"SELECT status, config_source, {config} FROM {table} WHERE id = %s"  # noqa: S608 - names from model meta
    for attempt in (1, 2):
        was_open = connection.connection is not None
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, [tenant_id])
                row = cursor.fetchone()
            break
        except (OperationalError, InterfaceError) as exc:
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            if attempt == 2 or not was_open or connection.connection is not None:
                raise RegistryUnavailable(f"tenant {tenant_id}: the database is unavailable ({exc})".strip()) from exc
    return None if row is None else (row[0], row[1], row[2])
